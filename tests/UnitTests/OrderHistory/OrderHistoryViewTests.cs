using System.Text.Json;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.OrderHistory.Projecting;

namespace Serverless.UnitTests.OrderHistory;

public sealed class OrderHistoryViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.FromHours(9));

    /// <summary>One confirmed order as its three sources tell it, Orders' copies of the participants' facts included.</summary>
    private static readonly IntegrationEvent[] ConfirmedOrder =
    [
        Event("orders", "OrderPlaced", 0, new { customerId = "alice", version = 1, @event = new { customerId = "alice", total = 19.98m } }),
        Event("orders", "StockReserved", 1, new { customerId = "alice", version = 2 }),
        Event("payments", "PaymentCharged", 2, new { orderId = "order-1", customerId = "alice", amount = 19.98m }),
        Event("orders", "PaymentCharged", 2, new { customerId = "alice", version = 3 }),
        Event("shipping", "ShipmentBooked", 3, new { orderId = "order-1", carrier = "k", trackingNumber = "1" }),
        Event("orders", "ShipmentBooked", 3, new { customerId = "alice", version = 4 }),
        Event("orders", "OrderConfirmed", 3, new { customerId = "alice", version = 5 }),
    ];

    [Fact]
    public void AppliedInOrder_TakesTheParticipantsFacts_FromTheParticipants_AndDerivesStatusTotalAndLastUpdate()
    {
        // Given a new view; When the confirmed order's events are applied in the order they were raised
        var view = new OrderHistoryView("order-1");
        var changed = ConfirmedOrder.Select(view.Apply).ToList();

        // Then Orders' copies of PaymentCharged and ShipmentBooked changed nothing, and the view is the confirmed order
        Assert.Equal([true, true, true, false, true, false, true], changed);
        Assert.Equal(("alice", 19.98m, "Confirmed", T0.AddMinutes(3).ToUniversalTime()), (view.CustomerId, view.Total, view.Status, view.UpdatedAt));
        Assert.Equal(
            [("OrderPlaced", 0), ("StockReserved", 1), ("PaymentCharged", 2), ("OrderConfirmed", 3), ("ShipmentBooked", 3)],
            view.Timeline.Select(t => (t.Type, (int)(t.At - T0).TotalMinutes)));
        Assert.All(view.Timeline, t => Assert.Equal(TimeSpan.Zero, t.At.Offset));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(1234)]
    public void AppliedInAnyOrder_WithRedeliveries_GivesTheSameView(int seed)
    {
        // Given the view built from the events in the order they were raised
        var inOrder = new OrderHistoryView("order-1");
        foreach (var e in ConfirmedOrder)
        {
            inOrder.Apply(e);
        }

        // When the same events, each delivered one to three times, arrive shuffled
        var random = new Random(seed);
        var deliveries = ConfirmedOrder.SelectMany(e => Enumerable.Repeat(e, random.Next(1, 4))).ToArray();
        random.Shuffle(deliveries);
        var shuffled = new OrderHistoryView("order-1");
        var applied = deliveries.Count(shuffled.Apply);

        // Then each event counted once, and the view is the same
        Assert.Equal(5, applied);
        Assert.True(shuffled.SameAs(inOrder));
        Assert.Equal(Json(inOrder), Json(shuffled));
    }

    [Fact]
    public void ARedeliveredMessage_ChangesNothing_EvenWithOtherContent()
    {
        var view = new OrderHistoryView("order-1");
        view.Apply(ConfirmedOrder[0]);

        var again = view.Apply(ConfirmedOrder[0] with { Type = "OrderCancelled", At = T0.AddDays(1) });

        Assert.False(again);
        Assert.Equal(("Pending", 1), (view.Status, view.Applied.Count));
    }

    [Fact]
    public void Cancelled_WinsOverConfirmed_WhateverArrivesLast()
    {
        var view = new OrderHistoryView("order-1");

        view.Apply(Event("orders", "OrderCancelled", 5, new { customerId = "alice" }));
        view.Apply(Event("orders", "OrderConfirmed", 9, new { customerId = "alice" }));

        Assert.Equal("Cancelled", view.Status);
        Assert.Equal(T0.AddMinutes(9), view.UpdatedAt);
    }

    [Fact]
    public void AParticipantsFactBeforeThePlacement_LeavesCustomerAndTotalToTheLaterEvents()
    {
        // Given a shipment booked before the order's placement arrives (it names no customer)
        var view = new OrderHistoryView("order-1");
        view.Apply(ConfirmedOrder[4]);
        Assert.Equal(((string?)null, (decimal?)null, "Pending"), (view.CustomerId, view.Total, view.Status));

        // When the placement arrives
        view.Apply(ConfirmedOrder[0]);

        // Then customer and total come from it
        Assert.Equal(("alice", (decimal?)19.98m), (view.CustomerId, view.Total));
    }

    [Fact]
    public void AnotherOrdersEvent_IsRefused()
    {
        var view = new OrderHistoryView("order-2");

        Assert.Throws<ArgumentException>(() => view.Apply(ConfirmedOrder[0]));
        Assert.Empty(view.Applied);
    }

    [Fact]
    public void AStoredView_RoundTripsThroughJson()
    {
        var view = new OrderHistoryView("order-1");
        foreach (var e in ConfirmedOrder)
        {
            view.Apply(e);
        }

        var stored = JsonSerializer.Deserialize<OrderHistoryView>(JsonSerializer.Serialize(view, StoredJson.Options), StoredJson.Options)!;

        Assert.True(stored.SameAs(view));
        Assert.Equal((view.Status, view.UpdatedAt, view.Timeline.Count), (stored.Status, stored.UpdatedAt, stored.Timeline.Count));
    }

    [Fact]
    public void Swap_KeepsWhatLiveAppliedSinceTheReplay_AndDropsWhatTheRebuildRead_ButLeftOut()
    {
        // Given a live view with the placement, a bogus entry the rebuild read but does not take, and a confirmation that arrived after the replay
        var live = new OrderHistoryView("order-1", "alice", 19.98m,
        [
            new HistoryEvent(ConfirmedOrder[0].MessageId, "OrderPlaced", T0),
            new HistoryEvent(ConfirmedOrder[3].MessageId, "PaymentCharged", T0.AddMinutes(2)),
            new HistoryEvent("late", "OrderConfirmed", T0.AddMinutes(9)),
        ]);
        var rebuilt = new OrderHistoryView("order-1");
        rebuilt.Apply(ConfirmedOrder[0]);
        rebuilt.Apply(ConfirmedOrder[1]);
        var replayed = new HashSet<string>(ConfirmedOrder.Select(e => e.MessageId));

        // When swapped
        var swapped = OrderHistoryView.Swap(live, rebuilt, replayed)!;

        // Then it is the rebuilt view plus the late confirmation
        Assert.Equal(["OrderPlaced", "StockReserved", "OrderConfirmed"], swapped.Timeline.Select(t => t.Type));
        Assert.Equal(("alice", (decimal?)19.98m, "Confirmed"), (swapped.CustomerId, swapped.Total, swapped.Status));
    }

    [Fact]
    public void Swap_OfAnOrderOnlyLiveKnows_KeepsItIfItArrivedSinceTheReplay_ElseDropsIt()
    {
        var arrivedSince = new OrderHistoryView("order-9", "bob", 5m, [new HistoryEvent("m-9", "OrderPlaced", T0)]);

        Assert.True(OrderHistoryView.Swap(arrivedSince, null, new HashSet<string>())!.SameAs(arrivedSince));
        Assert.Null(OrderHistoryView.Swap(arrivedSince, null, new HashSet<string> { "m-9" }));
    }

    private static string Json(OrderHistoryView view) =>
        JsonSerializer.Serialize(new { view.OrderId, view.CustomerId, view.Total, view.Status, view.UpdatedAt, view.Timeline }, StoredJson.Options);

    private static IntegrationEvent Event(string topic, string type, int minute, object data) =>
        IntegrationEvent.Create(topic, type, "order-1", data, T0.AddMinutes(minute), messageId: $"{topic}:{type}");
}
