using System.Security.Cryptography;
using System.Text;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Shipping;

public enum ShipmentStatus
{
    Booked,
    Unavailable,
    Cancelled,
}

/// <summary>The data of <c>ShipmentBooked</c> and <c>ShipmentCancelled</c> (read by order history and notifications).</summary>
public sealed record ShipmentEvent(string OrderId, string? Carrier, string? TrackingNumber);

/// <summary>
/// One shipment per order (aggregate id = the order id): booked once, or unavailable, or cancelled.
/// Cancelling an order never booked leaves a Cancelled tombstone, so a late booking is refused.
/// </summary>
public sealed record Shipment(string OrderId, string Country, string? Carrier, string? TrackingNumber, ShipmentStatus Status)
{
    public const string Topic = "shipping";

    public const string LocalCarrier = "LocalPost";

    /// <summary>Booked with the carrier (raising <c>ShipmentBooked</c>) when <paramref name="ships"/>, else Unavailable.</summary>
    public static (Shipment State, IReadOnlyList<IntegrationEvent> Events) Book(string orderId, string country, bool ships, DateTimeOffset at)
    {
        if (!ships)
        {
            return (new Shipment(orderId, country, null, null, ShipmentStatus.Unavailable), []);
        }

        var booked = new Shipment(orderId, country, LocalCarrier, TrackingNumberOf(orderId), ShipmentStatus.Booked);
        return (booked, [booked.Event("ShipmentBooked", at)]);
    }

    /// <summary>The cancellation of an order whose booking never arrived.</summary>
    public static Shipment Tombstone(string orderId) => new(orderId, "", null, null, ShipmentStatus.Cancelled);

    /// <summary>A booked shipment is cancelled, raising <c>ShipmentCancelled</c>.</summary>
    public (Shipment State, IReadOnlyList<IntegrationEvent> Events) Cancel(DateTimeOffset at)
    {
        var cancelled = Status == ShipmentStatus.Booked
            ? this with { Status = ShipmentStatus.Cancelled }
            : throw new InvalidOperationException($"Shipment of order {OrderId} is {Status}: cannot cancel.");
        return (cancelled, [cancelled.Event("ShipmentCancelled", at)]);
    }

    private static string TrackingNumberOf(string orderId) => "LP" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(orderId)))[..12];

    private IntegrationEvent Event(string type, DateTimeOffset at) =>
        IntegrationEvent.Create(Topic, type, OrderId, new ShipmentEvent(OrderId, Carrier, TrackingNumber),
            at, correlationId: OrderId, causationId: OrderId, messageId: $"shipping:{OrderId}:{type}");
}
