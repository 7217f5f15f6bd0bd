using System.Text.Json;

namespace Serverless.Orders.Domain;

public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

public sealed record ShippingAddress(string Line1, string City, string PostalCode, string Country);

/// <summary>The facts of an order's life, in the order they can happen. Stored as JSON under their type name.</summary>
public interface IOrderEvent;

public sealed record OrderPlaced(string CustomerId, IReadOnlyList<OrderLine> Items, decimal Total, ShippingAddress ShippingAddress) : IOrderEvent;
public sealed record StockReserved : IOrderEvent;
public sealed record PaymentCharged(decimal Amount) : IOrderEvent;
public sealed record ShipmentBooked(string? Carrier, string? TrackingNumber) : IOrderEvent;
public sealed record OrderConfirmed : IOrderEvent;
public sealed record CancellationRequested(string RequestedBy) : IOrderEvent;
public sealed record StockReleased : IOrderEvent;
public sealed record PaymentRefunded(decimal Amount) : IOrderEvent;
public sealed record ShipmentCancelled : IOrderEvent;
public sealed record OrderCancelled(string Reason) : IOrderEvent;

/// <summary>An event as stored in an order's stream: version 1, 2, 3, ... without gaps.</summary>
public sealed record StoredEvent(int Version, string Type, DateTimeOffset At, IOrderEvent Data);

/// <summary>How an order event is written and read back by every store: JSON (web defaults) under its type name.</summary>
public static class OrderEventJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    private static readonly Dictionary<string, Type> Types = typeof(IOrderEvent).Assembly.GetTypes()
        .Where(t => t.IsClass && typeof(IOrderEvent).IsAssignableFrom(t))
        .ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static string TypeName(IOrderEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.GetType().Name;
    }

    public static JsonElement Serialize(IOrderEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return JsonSerializer.SerializeToElement(e, e.GetType(), Options);
    }

    /// <summary>The event stored as <paramref name="type"/>; <see cref="JsonException"/> when the type is unknown or the data does not fit it.</summary>
    public static IOrderEvent Deserialize(string type, JsonElement data) =>
        data.Deserialize(ClrType(type), Options) as IOrderEvent ?? throw new JsonException($"Event data of '{type}' is null.");

    /// <inheritdoc cref="Deserialize(string, JsonElement)"/>
    public static IOrderEvent Deserialize(string type, string data) =>
        JsonSerializer.Deserialize(data, ClrType(type), Options) as IOrderEvent ?? throw new JsonException($"Event data of '{type}' is null.");

    private static Type ClrType(string type) =>
        Types.TryGetValue(type, out var clr) ? clr : throw new JsonException($"Unknown event type '{type}'.");
}

public static class OrderStatus
{
    public const string Pending = "Pending";
    public const string Confirmed = "Confirmed";
    public const string Cancelled = "Cancelled";
}

public static class CancellationReasons
{
    public const string OutOfStock = "OutOfStock";
    public const string PaymentDeclined = "PaymentDeclined";
    public const string ShippingUnavailable = "ShippingUnavailable";
    public const string CancelledByCustomer = "CancelledByCustomer";
    public const string TimedOut = "TimedOut";
}
