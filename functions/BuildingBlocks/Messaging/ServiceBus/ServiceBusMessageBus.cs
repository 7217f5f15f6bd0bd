using Azure.Messaging.ServiceBus;

namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>
/// The bus on Azure Service Bus: an event goes to the topic named <see cref="IntegrationEvent.Topic"/>
/// (the broker copies it to every subscription), as a message mapped by <see cref="ServiceBusEnvelope"/>.
/// Each topic's events go in order, in as few <see cref="ServiceBusMessageBatch"/>es as fit. Throws if
/// a send fails, so the outbox relay sends the batch again; a resent message with the same MessageId is
/// dropped by the topic's duplicate detection (and within its window, by the consumers' dedupe after).
/// </summary>
public sealed class ServiceBusMessageBus(ServiceBusConnection connection, ServiceBusEntities entities, BusTopology topology) : IMessageBus
{
    public async Task PublishAsync(IReadOnlyList<IntegrationEvent> events, CancellationToken cancellationToken)
    {
        // Before the first message: subscriptions that do not exist yet would not get it.
        await entities.EnsureTopologyOnceAsync(cancellationToken);
        var byTopic = events.Where(e => topology.Topics.ContainsKey(e.Topic)).GroupBy(e => e.Topic, StringComparer.Ordinal);
        await Task.WhenAll(byTopic.Select(topic => SendAsync(connection.Sender(topic.Key), topic.ToList(), cancellationToken)));
    }

    private static async Task SendAsync(ServiceBusSender sender, IReadOnlyList<IntegrationEvent> events, CancellationToken cancellationToken)
    {
        var pending = new Queue<ServiceBusMessage>(events.Select(ServiceBusEnvelope.ToMessage));
        while (pending.Count > 0)
        {
            using var batch = await sender.CreateMessageBatchAsync(cancellationToken);
            while (pending.Count > 0 && batch.TryAddMessage(pending.Peek()))
            {
                pending.Dequeue();
            }

            if (batch.Count == 0)
            {
                throw new InvalidOperationException($"Message {pending.Peek().MessageId} is larger than a batch to {sender.EntityPath} may be ({batch.MaxSizeInBytes} bytes).");
            }

            await sender.SendMessagesAsync(batch, cancellationToken);
        }
    }
}
