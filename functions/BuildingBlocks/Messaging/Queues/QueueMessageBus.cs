using Azure.Storage.Queues;

namespace Serverless.BuildingBlocks.Messaging.Queues;

/// <summary>
/// The local bus: a topic is a set of Azurite queues, one per subscription, each with a poison queue
/// for messages that failed too often (<see cref="QueueDeadLetters"/>). In Azure the same port is
/// <see cref="ServiceBus.ServiceBusMessageBus"/>.
/// </summary>
public sealed class QueueMessageBus(QueueServiceClient queues, BusTopology topology) : IMessageBus
{
    public static readonly QueueClientOptions ClientOptions = new() { MessageEncoding = QueueMessageEncoding.Base64 };

    public async Task EnsureQueuesAsync(CancellationToken cancellationToken)
    {
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            await queues.GetQueueClient(BusTopology.QueueName(topic, subscriber)).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await queues.GetQueueClient(BusTopology.DeadLetterQueueName(topic, subscriber)).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// Sends the whole batch concurrently (queues promise no order anyway; consumers must not need it).
    /// Fails if any send fails, so the relay sends the batch again: at least once.
    /// </summary>
    public async Task PublishAsync(IReadOnlyList<IntegrationEvent> events, CancellationToken cancellationToken)
    {
        var sends = from e in events
                    where topology.Topics.ContainsKey(e.Topic)
                    let body = e.Serialize()
                    from s in topology.Topics[e.Topic]
                    select SendAsync(queues.GetQueueClient(BusTopology.QueueName(e.Topic, s)), body, cancellationToken);
        await Task.WhenAll(sends.ToList());
    }

    /// <summary>Sends, creating the subscription's queue if it is not there (yet, or any more).</summary>
    internal static async Task SendAsync(QueueClient queue, string body, CancellationToken cancellationToken)
    {
        try
        {
            await queue.SendMessageAsync(body, cancellationToken);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await queue.SendMessageAsync(body, cancellationToken);
        }
    }
}
