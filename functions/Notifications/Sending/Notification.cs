using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.Notifications.Sending;

/// <summary>What a customer is told about an order, and when. Its id, <c>{orderId}:{type}</c>, is the same whatever message brought it.</summary>
public sealed record Notification(string Id, string Type, string OrderId, DateTimeOffset At)
{
    /// <summary>Orders' events that customers hear of, and what they are told.</summary>
    private static readonly Dictionary<string, string> Notified = new(StringComparer.Ordinal)
    {
        ["OrderPlaced"] = "OrderReceived",
        ["OrderConfirmed"] = "OrderConfirmed",
        ["OrderCancelled"] = "OrderCancelled",
    };

    /// <summary>Newest first, then by id: how a customer's notifications are listed.</summary>
    public static IComparer<Notification> NewestFirst { get; } = Comparer<Notification>.Create((a, b) =>
    {
        var byTime = b.At.CompareTo(a.At);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Id, b.Id);
    });

    [JsonIgnore]
    public string Subject => $"Your order {OrderId}: {Type}";

    /// <summary>The notification <paramref name="e"/> calls for and its recipient, or null when it calls for none.</summary>
    public static (string CustomerId, Notification Notification)? For(IntegrationEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Topic != "orders" || !Notified.TryGetValue(e.Type, out var type))
        {
            return null;
        }

        var customerId = e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty("customerId", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()!
            : throw new JsonException($"Message {e.MessageId} ({e.Type}) names no customer.");
        return (customerId, new Notification($"{e.Subject}:{type}", type, e.Subject, e.At));
    }

    /// <summary>Refuses, before any store changes, ids that no store can hold (Cosmos ids and partition keys).</summary>
    public static void RefuseUnstorable(string messageId, string customerId, Notification notification)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentNullException.ThrowIfNull(notification);
        if (!StorageLimits.IsValidId(customerId) || !StorageLimits.IsValidId(notification.Id))
        {
            throw new ArgumentException($"Notification '{notification.Id}' for '{customerId}' cannot be stored: ids are 1-255 characters without / \\ ? #.", nameof(notification));
        }
    }
}
