namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// The operator's port on the bus's dead letters (messages that failed <see cref="BusTopology.MaxDeliveries"/>
/// times, or could not be read), over every subscription of the topology. Adapters:
/// <see cref="Queues.QueueDeadLetters"/> (poison queues) and <see cref="ServiceBus.ServiceBusDeadLetters"/> (subscriptions' DLQs).
/// </summary>
public interface IDeadLetters
{
    /// <summary>The dead letters with the reason each failed (a bounded page per subscription).</summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(CancellationToken cancellationToken);

    Task<int> CountAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Delivers every dead letter once more to the subscription it died in (and only to it); the
    /// consumer's dedupe by message id keeps it to one effect. Returns how many were replayed.
    /// </summary>
    Task<int> ReplayAsync(CancellationToken cancellationToken);

    /// <summary>Deletes every dead letter. Returns how many were deleted.</summary>
    Task<int> PurgeAsync(CancellationToken cancellationToken);
}
