using Azure.Storage.Queues;

namespace Serverless.BuildingBlocks.Messaging.Queues;

/// <summary>The local bus's dead letters: each subscription's poison queue (<see cref="BusTopology.DeadLetterQueueName"/>).</summary>
public sealed class QueueDeadLetters(QueueServiceClient queues, BusTopology topology) : IDeadLetters
{
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            var queue = BusTopology.DeadLetterQueueName(topic, subscriber);
            var client = queues.GetQueueClient(queue);
            if (!await client.ExistsAsync(cancellationToken))
            {
                continue;
            }

            foreach (var message in (await client.PeekMessagesAsync(32, cancellationToken)).Value)
            {
                var letter = DeadLetterBody.Parse(message.Body.ToString());
                letters.Add(new DeadLetter(queue, letter.Event.MessageId, letter.Event.Type, letter.Event.Subject, letter.Reason, message.InsertedOn));
            }
        }

        return letters;
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            var dead = queues.GetQueueClient(BusTopology.DeadLetterQueueName(topic, subscriber));
            if (await dead.ExistsAsync(cancellationToken))
            {
                count += (await dead.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            }
        }

        return count;
    }

    /// <summary>Moves every dead letter back to its own subscription's queue; the consumer's dedupe keeps it to one effect.</summary>
    public async Task<int> ReplayAsync(CancellationToken cancellationToken)
    {
        var moved = 0;
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            var dead = queues.GetQueueClient(BusTopology.DeadLetterQueueName(topic, subscriber));
            var live = queues.GetQueueClient(BusTopology.QueueName(topic, subscriber));
            if (!await dead.ExistsAsync(cancellationToken))
            {
                continue;
            }

            while (true)
            {
                var batch = (await dead.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30), cancellationToken)).Value;
                if (batch.Length == 0)
                {
                    break;
                }

                foreach (var message in batch)
                {
                    await QueueMessageBus.SendAsync(live, DeadLetterBody.Parse(message.Body.ToString()).ReplayBody(), cancellationToken);
                    await dead.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                    moved++;
                }
            }
        }

        return moved;
    }

    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var purged = 0;
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            var dead = queues.GetQueueClient(BusTopology.DeadLetterQueueName(topic, subscriber));
            if (await dead.ExistsAsync(cancellationToken))
            {
                purged += (await dead.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
                await dead.ClearMessagesAsync(cancellationToken);
            }
        }

        return purged;
    }
}
