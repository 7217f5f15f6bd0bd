using Serverless.BuildingBlocks.Messaging;

namespace Serverless.IntegrationTests.OrderHistory;

/// <summary>Events as the history's sources raise them, for the store and feed tests.</summary>
public static class HistoryEvents
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static IntegrationEvent Placed(string orderId, string customerId, decimal total, int minute = 0) =>
        Create("orders", "OrderPlaced", orderId, minute, new { customerId, version = 1, @event = new { customerId, total } });

    public static IntegrationEvent FromOrders(string type, string orderId, string customerId, int minute) =>
        Create("orders", type, orderId, minute, new { customerId, version = minute + 1 });

    public static IntegrationEvent Charged(string orderId, string customerId, int minute) =>
        Create("payments", "PaymentCharged", orderId, minute, new { orderId, customerId, amount = 1m });

    public static IntegrationEvent Booked(string orderId, int minute) =>
        Create("shipping", "ShipmentBooked", orderId, minute, new { orderId, carrier = "k", trackingNumber = "1" });

    /// <summary>A confirmed order as its sources tell it: placed, reserved, charged (also Orders' copy), confirmed, booked.</summary>
    public static IReadOnlyList<IntegrationEvent> Confirmed(string orderId, string customerId, decimal total, int minute = 0) =>
    [
        Placed(orderId, customerId, total, minute),
        FromOrders("StockReserved", orderId, customerId, minute + 1),
        Charged(orderId, customerId, minute + 2),
        FromOrders("PaymentCharged", orderId, customerId, minute + 2),
        FromOrders("OrderConfirmed", orderId, customerId, minute + 3),
        Booked(orderId, minute + 4),
    ];

    private static IntegrationEvent Create(string topic, string type, string orderId, int minute, object data) =>
        IntegrationEvent.Create(topic, type, orderId, data, T0.AddMinutes(minute), messageId: $"{topic}:{orderId}:{type}:{Guid.NewGuid():N}");
}
