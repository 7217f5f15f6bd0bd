using System.Text.Json;

namespace Serverless.BuildingBlocks.Messaging.Queues;

/// <summary>A poison message keeps the event and says why it failed.</summary>
public sealed record DeadLetterBody(IntegrationEvent Event, string Reason, int Deliveries)
{
    /// <summary>The type of the stand-in event for a message that could not be read; its data is the raw body as a JSON string.</summary>
    public const string UnreadableType = "Unreadable";

    private static readonly JsonElement NoData = JsonSerializer.SerializeToElement<object?>(null);

    /// <summary>The dead letter as JSON; never throws for an event without data (a default <see cref="JsonElement"/> is written as null).</summary>
    public string Serialize() =>
        JsonSerializer.Serialize(Event.Data.ValueKind == JsonValueKind.Undefined ? this with { Event = Event with { Data = NoData } } : this, IntegrationEvent.Json);

    public static DeadLetterBody Parse(string json) =>
        JsonSerializer.Deserialize<DeadLetterBody>(json, IntegrationEvent.Json) ?? throw new JsonException("Empty dead letter.");

    /// <summary>A dead letter for a message that is no event: the raw body is kept, so a replay sends exactly what came.</summary>
    public static DeadLetterBody Unreadable(string messageId, string topic, string rawBody, string reason, int deliveries, DateTimeOffset at) =>
        new(new IntegrationEvent(messageId, topic, UnreadableType, "", at, "", null, null, JsonSerializer.SerializeToElement(rawBody, IntegrationEvent.Json)),
            reason, deliveries);

    /// <summary>What a replay puts back on the subscription's queue: the event, or the unreadable message as it came.</summary>
    public string ReplayBody() =>
        Event.Type == UnreadableType && Event.Data.ValueKind == JsonValueKind.String ? Event.Data.GetString()! : Event.Serialize();
}
