using Serverless.Shipping;

namespace Serverless.UnitTests.Shipping;

public sealed class ShipmentTests
{
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Book_WhereWeShip_IsBookedWithTheCarrier_AndRaisesShipmentBooked()
    {
        // When o-1 is booked to KR, where we ship
        var (shipment, events) = Shipment.Book("o-1", "KR", ships: true, At);

        // Then it is booked with a tracking number derived from the order, announced once
        Assert.Equal((ShipmentStatus.Booked, Shipment.LocalCarrier), (shipment.Status, shipment.Carrier));
        Assert.Matches("^LP[0-9A-F]{12}$", shipment.TrackingNumber);
        Assert.Equal(shipment.TrackingNumber, Shipment.Book("o-1", "KR", ships: true, At).State.TrackingNumber);
        var e = Assert.Single(events);
        Assert.Equal(("shipping:o-1:ShipmentBooked", "shipping", "ShipmentBooked", "o-1", "o-1", "o-1", At),
            (e.MessageId, e.Topic, e.Type, e.Subject, e.CorrelationId, e.CausationId, e.At));
        Assert.Equal(new ShipmentEvent("o-1", Shipment.LocalCarrier, shipment.TrackingNumber), e.DataAs<ShipmentEvent>());
    }

    [Fact]
    public void Book_WhereWeDoNotShip_IsUnavailable_WithoutAnEvent()
    {
        var (shipment, events) = Shipment.Book("o-1", "ZZ", ships: false, At);

        Assert.Equal(new Shipment("o-1", "ZZ", null, null, ShipmentStatus.Unavailable), shipment);
        Assert.Empty(events);
    }

    [Fact]
    public void Cancel_OfBooked_IsCancelled_AndRaisesShipmentCancelled()
    {
        // Given a booked shipment; When it is cancelled
        var booked = Shipment.Book("o-1", "KR", ships: true, At).State;
        var (cancelled, events) = booked.Cancel(At);

        // Then it is Cancelled, keeping its carrier and tracking number in the event
        Assert.Equal(booked with { Status = ShipmentStatus.Cancelled }, cancelled);
        var e = Assert.Single(events);
        Assert.Equal(("shipping:o-1:ShipmentCancelled", "ShipmentCancelled"), (e.MessageId, e.Type));
        Assert.Equal(new ShipmentEvent("o-1", booked.Carrier, booked.TrackingNumber), e.DataAs<ShipmentEvent>());
    }

    [Fact]
    public void Cancel_OfUnavailableOrCancelled_IsRefused()
    {
        Assert.Throws<InvalidOperationException>(() => Shipment.Book("o-1", "ZZ", ships: false, At).State.Cancel(At));
        Assert.Throws<InvalidOperationException>(() => Shipment.Tombstone("o-1").Cancel(At));
    }

    [Fact]
    public void Tombstone_IsCancelled_ForNoCountry()
    {
        Assert.Equal(new Shipment("o-1", "", null, null, ShipmentStatus.Cancelled), Shipment.Tombstone("o-1"));
    }
}
