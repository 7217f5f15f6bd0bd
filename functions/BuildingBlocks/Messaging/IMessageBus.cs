namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// The bus port: publishes integration events to every subscription of their topic. At least once:
/// it throws if any send fails, and the outbox relay sends the batch again. Adapters:
/// <see cref="Queues.QueueMessageBus"/> (Azurite queues, local) and <see cref="ServiceBus.ServiceBusMessageBus"/> (Azure).
/// </summary>
public interface IMessageBus
{
    Task PublishAsync(IReadOnlyList<IntegrationEvent> events, CancellationToken cancellationToken);
}
