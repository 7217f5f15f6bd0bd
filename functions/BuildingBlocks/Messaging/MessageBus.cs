using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Configuration;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>Topics and their subscriptions: one subscription (queue) per consuming service.</summary>
public sealed class BusTopology
{
    /// <summary>topic -> subscribers. Config <c>Bus:Topics:{topic}</c> = "a,b" overrides these defaults.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Defaults = new Dictionary<string, string[]>
    {
        // The order history reads the sources' change feeds directly (CQRS read model); the bus carries
        // events to services that react to them. Payments' and shipping's topics have no subscriber yet.
        ["orders"] = ["notifications"],
        ["payments"] = [],
        ["shipping"] = [],
    };

    public BusTopology(IConfiguration configuration)
    {
        Topics = Defaults.ToDictionary(
            t => t.Key,
            t => configuration[$"Bus:Topics:{t.Key}"] is { Length: > 0 } value ? value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : t.Value);
        MaxDeliveries = int.TryParse(configuration["Bus:MaxDeliveries"], out var n) && n > 0 ? n : 5;
    }

    public IReadOnlyDictionary<string, string[]> Topics { get; }

    /// <summary>After this many failed deliveries a message goes to its subscription's dead-letter queue.</summary>
    public int MaxDeliveries { get; }

    public static string QueueName(string topic, string subscriber) => $"{topic}-{subscriber}";

    public static string DeadLetterQueueName(string topic, string subscriber) => QueueName(topic, subscriber) + "-poison";

    public IEnumerable<(string Topic, string Subscriber)> Subscriptions() =>
        Topics.SelectMany(t => t.Value.Select(s => (t.Key, s)));
}

/// <summary>Publishes integration events to every subscription of their topic.</summary>
public interface IMessageBus
{
    Task PublishAsync(IReadOnlyList<IntegrationEvent> events, CancellationToken cancellationToken);
}

/// <summary>A dead letter as an operator sees it.</summary>
public sealed record DeadLetter(string Queue, string MessageId, string Type, string Subject, string Reason, DateTimeOffset? At);

/// <summary>
/// The local bus: a topic is a set of Azurite queues, one per subscription, each with a poison queue
/// for messages that failed too often. (In Azure: Service Bus topics, subscriptions and their DLQs.)
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
    private static async Task SendAsync(QueueClient queue, string body, CancellationToken cancellationToken)
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

    public async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(CancellationToken cancellationToken)
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

    public async Task<int> CountDeadLettersAsync(CancellationToken cancellationToken)
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

    /// <summary>Moves every dead letter back to its subscription; the consumer's dedupe keeps it to one effect.</summary>
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
                    await live.SendMessageAsync(DeadLetterBody.Parse(message.Body.ToString()).Event.Serialize(), cancellationToken);
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

/// <summary>A poison message keeps the event and says why it failed.</summary>
public sealed record DeadLetterBody(IntegrationEvent Event, string Reason, int Deliveries)
{
    public string Serialize() => System.Text.Json.JsonSerializer.Serialize(this, IntegrationEvent.Json);

    public static DeadLetterBody Parse(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<DeadLetterBody>(json, IntegrationEvent.Json)
        ?? throw new System.Text.Json.JsonException("Empty dead letter.");
}
