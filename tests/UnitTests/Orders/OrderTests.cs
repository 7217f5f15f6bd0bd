using Serverless.Orders.Domain;

namespace Serverless.UnitTests.Orders;

public sealed class OrderTests
{
    private static readonly DateTimeOffset Placed = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly OrderPlaced PlacedEvent = new(
        "alice",
        [new OrderLine("SKU-1", 2, 10m), new OrderLine("SKU-2", 1, 5.5m)],
        25.5m,
        new ShippingAddress("1 Main St", "Seoul", "04524", "KR"));

    /// <summary>A stream as the store keeps it: versions 1, 2, 3, ... a minute apart, typed by the event's name.</summary>
    private static List<StoredEvent> Stream(params IOrderEvent[] events) =>
        events.Select((e, i) => new StoredEvent(i + 1, e.GetType().Name, Placed.AddMinutes(i), e)).ToList();

    private static Order Rehydrate(params IOrderEvent[] events) => Order.Rehydrate("order-1", Stream(events))!;

    [Fact]
    public void NoEvents_NoOrder()
    {
        // Given an empty stream; When rehydrated; Then there is no order
        Assert.Null(Order.Rehydrate("order-1", []));
    }

    [Fact]
    public void AfterOrderPlaced_IsPending_WithThePlacedDetails()
    {
        // Given only OrderPlaced
        // When rehydrated
        var order = Rehydrate(PlacedEvent);

        // Then the order is Pending at version 1 and carries what was placed
        Assert.Equal("order-1", order.Id);
        Assert.Equal(OrderStatus.Pending, order.Status);
        Assert.Equal(1, order.Version);
        Assert.Equal("alice", order.CustomerId);
        Assert.Equal(PlacedEvent.Items, order.Items);
        Assert.Equal(25.5m, order.Total);
        Assert.Equal(PlacedEvent.ShippingAddress, order.ShippingAddress);
        Assert.Null(order.CancellationReason);
        Assert.Equal((Placed, Placed), (order.PlacedAt, order.UpdatedAt));
        Assert.True(order.CanRequestCancellation);
    }

    [Fact]
    public void StepEvents_KeepItPending_AndAreRemembered()
    {
        // Given the saga's steps recorded but not yet confirmed
        var order = Rehydrate(PlacedEvent, new StockReserved(), new PaymentCharged(25.5m), new ShipmentBooked("Fast", "T-1"));

        // Then it is still Pending, the steps are known and the version is the last event's
        Assert.Equal(OrderStatus.Pending, order.Status);
        Assert.True(order.Has(nameof(StockReserved)));
        Assert.True(order.Has(nameof(PaymentCharged)));
        Assert.True(order.Has(nameof(ShipmentBooked)));
        Assert.False(order.Has(nameof(OrderConfirmed)));
        Assert.Equal(4, order.Version);
        Assert.Equal(Placed.AddMinutes(3), order.UpdatedAt);
        Assert.Equal(Placed, order.PlacedAt);
    }

    [Fact]
    public void AfterOrderConfirmed_IsConfirmed()
    {
        // Given a fully run saga
        var order = Rehydrate(PlacedEvent, new StockReserved(), new PaymentCharged(25.5m), new ShipmentBooked("Fast", "T-1"), new OrderConfirmed());

        // Then the order is Confirmed at version 5 and may still be cancelled
        Assert.Equal(OrderStatus.Confirmed, order.Status);
        Assert.Equal(5, order.Version);
        Assert.True(order.CanRequestCancellation);
    }

    [Fact]
    public void CancellationRequested_WhilePending_KeepsPending()
    {
        // Given a customer's cancel on a pending order
        var order = Rehydrate(PlacedEvent, new StockReserved(), new CancellationRequested("alice"));

        // Then it stays Pending, with no reason yet, and cannot be cancelled twice
        Assert.Equal(OrderStatus.Pending, order.Status);
        Assert.Null(order.CancellationReason);
        Assert.True(order.CancellationRequested);
        Assert.False(order.CanRequestCancellation);
    }

    [Fact]
    public void CancellationRequested_WhileConfirmed_KeepsConfirmed()
    {
        // Given a customer's cancel on a confirmed order
        var order = Rehydrate(PlacedEvent, new OrderConfirmed(), new CancellationRequested("alice"));

        // Then it stays Confirmed until the compensations are done
        Assert.Equal(OrderStatus.Confirmed, order.Status);
        Assert.False(order.CanRequestCancellation);
    }

    [Fact]
    public void Compensations_WithoutOrderCancelled_DoNotShowCancelled()
    {
        // Given compensations applied but the final OrderCancelled not yet recorded
        var order = Rehydrate(PlacedEvent, new StockReserved(), new PaymentCharged(25.5m),
            new CancellationRequested("alice"), new PaymentRefunded(25.5m), new StockReleased());

        // Then the order still shows its previous status
        Assert.Equal(OrderStatus.Pending, order.Status);
        Assert.Null(order.CancellationReason);
        Assert.Equal(6, order.Version);
    }

    [Fact]
    public void AfterOrderCancelled_IsCancelled_WithTheReason()
    {
        // Given a declined payment, compensated and cancelled
        var order = Rehydrate(PlacedEvent, new StockReserved(), new StockReleased(), new OrderCancelled(CancellationReasons.PaymentDeclined));

        // Then it is Cancelled with the reason, and no further cancel may be requested
        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(CancellationReasons.PaymentDeclined, order.CancellationReason);
        Assert.Equal(4, order.Version);
        Assert.False(order.CanRequestCancellation);
    }

    [Fact]
    public void CustomerCancelOfConfirmedOrder_EndsCancelledByCustomer()
    {
        // Given a confirmed order the customer cancelled, fully compensated
        var order = Rehydrate(PlacedEvent, new StockReserved(), new PaymentCharged(25.5m), new ShipmentBooked("Fast", "T-1"),
            new OrderConfirmed(), new CancellationRequested("alice"), new ShipmentCancelled(), new PaymentRefunded(25.5m),
            new StockReleased(), new OrderCancelled(CancellationReasons.CancelledByCustomer));

        // Then it is Cancelled for the customer at version 10
        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(CancellationReasons.CancelledByCustomer, order.CancellationReason);
        Assert.Equal(10, order.Version);
        Assert.Equal(Placed.AddMinutes(9), order.UpdatedAt);
    }

    [Fact]
    public void RehydrateUpToAVersion_ShowsTheOrderAsItWasThen()
    {
        // Given a stream that ends Confirmed
        var stream = Stream(PlacedEvent, new StockReserved(), new PaymentCharged(25.5m), new ShipmentBooked("Fast", "T-1"), new OrderConfirmed());

        // When only the first 3 events are replayed (asOfVersion=3)
        var asOf3 = Order.Rehydrate("order-1", stream.Take(3))!;

        // Then the order is Pending at version 3
        Assert.Equal((OrderStatus.Pending, 3), (asOf3.Status, asOf3.Version));
        Assert.False(asOf3.Has(nameof(ShipmentBooked)));
    }

    [Fact]
    public void Place_TotalsTheCataloguePrices()
    {
        // Given lines priced by the catalogue
        var lines = new[] { new OrderLine("SKU-1", 2, 10m), new OrderLine("SKU-2", 3, 5.5m) };

        // When alice places them
        var placed = Order.Place("alice", lines, PlacedEvent.ShippingAddress);

        // Then the event carries her, the lines, the address and their sum
        Assert.Equal(("alice", 36.5m, PlacedEvent.ShippingAddress), (placed.CustomerId, placed.Total, placed.ShippingAddress));
        Assert.Equal(lines, placed.Items);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(51, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 1001)]
    public void Place_RefusesAnOrderOutsideTheLimits(int lineCount, int quantity)
    {
        var lines = Enumerable.Range(0, lineCount).Select(i => new OrderLine($"SKU-{i}", quantity, 1m)).ToList();

        Assert.Throws<ArgumentException>(() => Order.Place("alice", lines, PlacedEvent.ShippingAddress));
    }

    [Fact]
    public void RequestCancellation_OfAPendingOrConfirmedOrder_IsAccepted_ByTheCaller()
    {
        var pending = Rehydrate(PlacedEvent).RequestCancellation("alice");
        var confirmed = Rehydrate(PlacedEvent, new OrderConfirmed()).RequestCancellation("ops");

        Assert.Equal((new CancellationRequested("alice"), null), (pending.Event, pending.Refusal));
        Assert.Equal(new CancellationRequested("ops"), confirmed.Event);
    }

    [Fact]
    public void RequestCancellation_Twice_IsRefused()
    {
        var decision = Rehydrate(PlacedEvent, new CancellationRequested("alice")).RequestCancellation("alice");

        Assert.Equal((null, "Order order-1 is already being cancelled."), (decision.Event, decision.Refusal));
    }

    [Fact]
    public void RequestCancellation_OfACancelledOrder_IsRefused()
    {
        var decision = Rehydrate(PlacedEvent, new StockReleased(), new OrderCancelled(CancellationReasons.OutOfStock)).RequestCancellation("alice");

        Assert.Equal((null, "Order order-1 is already cancelled."), (decision.Event, decision.Refusal));
    }
}
