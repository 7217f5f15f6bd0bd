using System.Globalization;
using System.Text.Json;
using Azure.Messaging.ServiceBus;

namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>
/// The mapping between an <see cref="IntegrationEvent"/> and a Service Bus message, and the receiver's
/// decisions, as pure functions. The body is the event's data (JSON); the envelope travels in the
/// message's own properties, where the broker and tools can see it:
/// <list type="table">
/// <item><term>MessageId</term><description>event MessageId (the broker's duplicate detection key and the consumers' dedupe key)</description></item>
/// <item><term>CorrelationId</term><description>event CorrelationId</description></item>
/// <item><term>Subject</term><description>event Type</description></item>
/// <item><term>ContentType</term><description><c>application/json</c></description></item>
/// <item><term>application properties</term><description><c>traceparent</c>, <c>causationId</c>, <c>subject</c> (the order id), <c>topic</c>, <c>at</c> (ISO 8601)</description></item>
/// </list>
/// A replayed dead letter also carries <c>replayOf</c> (the event's id: its MessageId is new, see
/// <see cref="ReplayCopy"/>) and <c>replayFor</c> (the one subscription it is for).
/// </summary>
public static class ServiceBusEnvelope
{
    public const string ContentType = "application/json";
    public const string TraceParentProperty = "traceparent";
    public const string CausationIdProperty = "causationId";
    public const string SubjectProperty = "subject";
    public const string TopicProperty = "topic";
    public const string AtProperty = "at";
    public const string ReplayOfProperty = "replayOf";
    public const string ReplayForProperty = "replayFor";
    public const string LastErrorProperty = "lastError";

    /// <summary>Our dead-letter reason for a message that is no event (it is dead-lettered on its first delivery).</summary>
    public const string UnreadableReason = "UnreadableMessage";

    /// <summary>The reason for a message that failed every allowed delivery (the broker's own reason for the same).</summary>
    public const string MaxDeliveriesReason = "MaxDeliveryCountExceeded";

    /// <summary>The application properties the broker sets on a dead letter.</summary>
    private static readonly string[] DeadLetterProperties = ["DeadLetterReason", "DeadLetterErrorDescription"];

    /// <summary>Dead-letter reason and description are limited in size by the broker (headers): keep them short.</summary>
    private const int MaxText = 1024;

    public static ServiceBusMessage ToMessage(IntegrationEvent e)
    {
        var message = new ServiceBusMessage(BinaryData.FromString(e.Data.ValueKind == JsonValueKind.Undefined ? "null" : e.Data.GetRawText()))
        {
            MessageId = e.MessageId,
            CorrelationId = e.CorrelationId,
            Subject = e.Type,
            ContentType = ContentType,
        };
        message.ApplicationProperties[TopicProperty] = e.Topic;
        message.ApplicationProperties[SubjectProperty] = e.Subject;
        message.ApplicationProperties[AtProperty] = e.At.ToString("O", CultureInfo.InvariantCulture);
        if (e.CausationId is not null)
        {
            message.ApplicationProperties[CausationIdProperty] = e.CausationId;
        }

        if (e.TraceParent is not null)
        {
            message.ApplicationProperties[TraceParentProperty] = e.TraceParent;
        }

        return message;
    }

    /// <summary>
    /// The event a message carries. Throws <see cref="JsonException"/> or <see cref="FormatException"/>
    /// when it is none: a body that is not JSON, no Subject (the event type), an unparseable <c>at</c>.
    /// </summary>
    public static IntegrationEvent ToEvent(ServiceBusReceivedMessage message, string? topic = null)
    {
        var type = string.IsNullOrEmpty(message.Subject) ? throw new FormatException("The message has no Subject (the event type).") : message.Subject;
        JsonElement data;
        using (var body = JsonDocument.Parse(message.Body.ToMemory()))
        {
            data = body.RootElement.Clone();
        }

        var at = Property(message, AtProperty) is { } text
            ? DateTimeOffset.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None)
            : message.EnqueuedTime;
        var subject = Property(message, SubjectProperty) ?? "";
        return new IntegrationEvent(
            Property(message, ReplayOfProperty) ?? message.MessageId,
            Property(message, TopicProperty) ?? topic ?? "",
            type,
            subject,
            at,
            string.IsNullOrEmpty(message.CorrelationId) ? subject : message.CorrelationId,
            Property(message, CausationIdProperty),
            TraceParent(message),
            data);
    }

    /// <summary>The W3C trace context of the work that wrote the event; null when the message has none.</summary>
    public static string? TraceParent(ServiceBusReceivedMessage message) => Property(message, TraceParentProperty);

    /// <summary>
    /// What the receiver of <paramref name="subscriber"/>'s subscription does with a message, before the
    /// handler runs: skip a replay meant for another subscription; dead-letter at once what is no
    /// event (retrying cannot make it readable); dead-letter what was delivered more than
    /// <paramref name="maxDeliveries"/> times (the broker does that by itself at the subscription's
    /// MaxDeliveryCount; this holds the configured limit when that is set higher); else handle it.
    /// </summary>
    public static MessageDisposition Receive(ServiceBusReceivedMessage message, string topic, string subscriber, int maxDeliveries)
    {
        if (Property(message, ReplayForProperty) is { } target && !string.Equals(target, subscriber, StringComparison.Ordinal))
        {
            return new MessageDisposition(DispositionKind.Skip, Reason: $"A replay for subscription '{target}'.");
        }

        IntegrationEvent e;
        try
        {
            e = ToEvent(message, topic);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return new MessageDisposition(DispositionKind.DeadLetter, Reason: UnreadableReason,
                Description: Truncate($"Message {message.MessageId} is not an integration event: {ex.Message}"));
        }

        if (message.DeliveryCount > maxDeliveries)
        {
            return new MessageDisposition(DispositionKind.DeadLetter, e, MaxDeliveriesReason,
                $"Delivered {message.DeliveryCount} times, more than Bus:MaxDeliveries ({maxDeliveries}), without completing.");
        }

        return new MessageDisposition(DispositionKind.Handle, e);
    }

    /// <summary>
    /// After the handler threw: on the last allowed delivery, dead-letter now with the error as the
    /// description (the broker's own dead-lettering would only say "delivery count exceeded"); before
    /// that, abandon (it comes again, its delivery count one higher). Either way the error goes in the
    /// <c>lastError</c> property, so a message the broker dead-letters by itself still says why.
    /// </summary>
    public static MessageDisposition AfterFailure(ServiceBusReceivedMessage message, Exception error, int maxDeliveries)
    {
        var text = Truncate($"{error.GetType().Name}: {error.Message}");
        var lastError = new Dictionary<string, object> { [LastErrorProperty] = text };
        return message.DeliveryCount >= maxDeliveries
            ? new MessageDisposition(DispositionKind.DeadLetter, Reason: MaxDeliveriesReason,
                Description: Truncate($"Failed on each of {message.DeliveryCount} deliveries; last: {text}"), Properties: lastError)
            : new MessageDisposition(DispositionKind.Abandon, Properties: lastError);
    }

    /// <summary>A message from a dead-letter queue as an operator sees it.</summary>
    public static DeadLetter ToDeadLetter(ServiceBusReceivedMessage message, string queue) =>
        new(queue,
            Property(message, ReplayOfProperty) ?? message.MessageId,
            message.Subject ?? "",
            Property(message, SubjectProperty) ?? "",
            DeadLetterReason(message),
            message.EnqueuedTime);

    /// <summary>Why a message is a dead letter: the reason, its description and, if the broker dead-lettered it, the handler's last error.</summary>
    public static string DeadLetterReason(ServiceBusReceivedMessage message)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(message.DeadLetterReason))
        {
            parts.Add(message.DeadLetterReason);
        }

        if (!string.IsNullOrEmpty(message.DeadLetterErrorDescription))
        {
            parts.Add(message.DeadLetterErrorDescription);
        }

        if (Property(message, LastErrorProperty) is { } last && !parts.Exists(p => p.Contains(last, StringComparison.Ordinal)))
        {
            parts.Add("last error: " + last);
        }

        return parts.Count == 0 ? "(no reason given)" : string.Join(": ", parts);
    }

    /// <summary>
    /// The copy of a dead letter that a replay sends to the topic. Service Bus cannot send to one
    /// subscription, so the copy goes to the topic marked <c>replayFor</c> = the subscription it died
    /// in; subscriptions we create have a SQL filter (<see cref="SubscriptionFilter"/>) that lets it
    /// into that subscription only, and every receiver also completes a replay meant for another one
    /// unhandled (<see cref="Receive"/>), so subscriptions created elsewhere without the filter are
    /// still correct. Its MessageId is new (the topic's duplicate detection would drop the event's own
    /// id within its window) but stable for this dead letter, so a replay retried after a crash is
    /// dropped as a duplicate; the event's id travels in <c>replayOf</c> for the consumer's dedupe.
    /// </summary>
    public static ServiceBusMessage ReplayCopy(ServiceBusReceivedMessage deadLetter, string subscriber)
    {
        var eventId = Property(deadLetter, ReplayOfProperty) ?? deadLetter.MessageId;
        var copy = new ServiceBusMessage(deadLetter.Body)
        {
            MessageId = $"{eventId}:replay:{deadLetter.SequenceNumber.ToString(CultureInfo.InvariantCulture)}",
            CorrelationId = deadLetter.CorrelationId,
            Subject = deadLetter.Subject,
            ContentType = deadLetter.ContentType,
        };
        foreach (var (key, value) in deadLetter.ApplicationProperties)
        {
            if (!DeadLetterProperties.Contains(key) && key is not LastErrorProperty)
            {
                copy.ApplicationProperties[key] = value;
            }
        }

        copy.ApplicationProperties[ReplayOfProperty] = eventId;
        copy.ApplicationProperties[ReplayForProperty] = subscriber;
        return copy;
    }

    /// <summary>The SQL filter of <paramref name="subscriber"/>'s subscription: every message except replays for other subscriptions.</summary>
    public static string SubscriptionFilter(string subscriber) =>
        $"NOT EXISTS(user.{ReplayForProperty}) OR user.{ReplayForProperty} = '{subscriber.Replace("'", "''", StringComparison.Ordinal)}'";

    private static string? Property(ServiceBusReceivedMessage message, string name) =>
        message.ApplicationProperties.TryGetValue(name, out var value) && Convert.ToString(value, CultureInfo.InvariantCulture) is { Length: > 0 } text ? text : null;

    private static string Truncate(string text) => text.Length <= MaxText ? text : text[..(MaxText - 1)] + "…";
}
