using Microsoft.Extensions.Configuration;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// Topics and their subscriptions: a topic per producing service, a subscription per consuming
/// service. Whatever the adapter: locally a subscription is a queue (plus a poison queue), in Azure a
/// Service Bus subscription (plus its dead-letter queue).
/// </summary>
public sealed class BusTopology
{
    /// <summary>topic -> subscribers. Config <c>Bus:Topics:{topic}</c> = "a,b" overrides these defaults (or adds a topic).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Defaults = new Dictionary<string, string[]>
    {
        // The order history reads the sources' change feeds directly (CQRS read model); the bus carries
        // events to services that react to them. Payments' and shipping's topics have no subscriber yet.
        ["orders"] = ["notifications"],
        ["payments"] = [],
        ["shipping"] = [],
    };

    public const int DefaultMaxDeliveries = 5;

    public BusTopology(IConfiguration configuration)
    {
        var topics = Defaults.Keys.Union(configuration.GetSection("Bus:Topics").GetChildren().Select(c => c.Key), StringComparer.Ordinal);
        Topics = topics.ToDictionary(
            t => t,
            t => configuration[$"Bus:Topics:{t}"] is { Length: > 0 } value
                ? value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : Defaults.GetValueOrDefault(t, []));
        MaxDeliveries = int.TryParse(configuration["Bus:MaxDeliveries"], out var n) && n > 0 ? n : DefaultMaxDeliveries;
    }

    /// <summary>Exactly these topics and subscribers (tests, tools), not the defaults.</summary>
    public BusTopology(IReadOnlyDictionary<string, string[]> topics, int maxDeliveries = DefaultMaxDeliveries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDeliveries, 1);
        Topics = topics.ToDictionary(t => t.Key, t => t.Value.ToArray());
        MaxDeliveries = maxDeliveries;
    }

    public IReadOnlyDictionary<string, string[]> Topics { get; }

    /// <summary>After this many failed deliveries a message goes to its subscription's dead-letter queue.</summary>
    public int MaxDeliveries { get; }

    /// <summary>The local adapter's queue for one subscription.</summary>
    public static string QueueName(string topic, string subscriber) => $"{topic}-{subscriber}";

    /// <summary>The local adapter's poison queue for one subscription.</summary>
    public static string DeadLetterQueueName(string topic, string subscriber) => QueueName(topic, subscriber) + "-poison";

    public IEnumerable<(string Topic, string Subscriber)> Subscriptions() =>
        Topics.SelectMany(t => t.Value.Select(s => (t.Key, s)));
}
