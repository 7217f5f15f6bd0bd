using System.Diagnostics;
using System.Text.Json;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// An integration event as it travels: one envelope whatever the transport. Every message carries
/// its own id (the consumers' dedupe key), a correlation id, the id of the message that caused it,
/// and the W3C trace context of the work that wrote it.
/// </summary>
public sealed record IntegrationEvent(
    string MessageId,
    string Topic,
    string Type,
    string Subject,
    DateTimeOffset At,
    string CorrelationId,
    string? CausationId,
    string? TraceParent,
    JsonElement Data)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// A new event about <paramref name="subject"/> (an order id), carrying the current trace context.
    /// The correlation id defaults to the subject: everything that happens to one order correlates.
    /// The causation id names the message (or the order) that led to this one.
    /// </summary>
    public static IntegrationEvent Create(string topic, string type, string subject, object data, DateTimeOffset at,
        string? correlationId = null, string? causationId = null, string? messageId = null) =>
        new(messageId ?? Guid.NewGuid().ToString("N"), topic, type, subject, at,
            correlationId ?? subject, causationId,
            Activity.Current?.Id, JsonSerializer.SerializeToElement(data, data.GetType(), Json));

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static IntegrationEvent Deserialize(string json) =>
        JsonSerializer.Deserialize<IntegrationEvent>(json, Json) ?? throw new JsonException("Empty message.");

    /// <summary>
    /// The event a bus message carries. Throws <see cref="JsonException"/> when the body is no event:
    /// not JSON, not an object, or an envelope without its id, topic, type, subject, correlation id or data.
    /// </summary>
    public static IntegrationEvent FromMessage(string body)
    {
        var e = Deserialize(body);
        string?[] required = [e.MessageId, e.Topic, e.Type, e.Subject, e.CorrelationId];
        if (Array.Exists(required, field => field is null) || e.MessageId.Length == 0 || e.Type.Length == 0)
        {
            throw new JsonException("The envelope lacks its messageId, topic, type, subject or correlationId.");
        }

        return e.Data.ValueKind == JsonValueKind.Undefined ? throw new JsonException("The envelope has no data.") : e;
    }

    public T DataAs<T>() => Data.Deserialize<T>(Json) ?? throw new JsonException($"Message {MessageId} has no {typeof(T).Name}.");
}
