using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Shipping;
using Serverless.Shipping.BookingShipments;
using Serverless.UnitTests.Storage;

namespace Serverless.UnitTests.Shipping.BookingShipments;

public sealed class ShipmentHandlerTests
{
    private readonly InMemoryAggregateStore<Shipment> _shipments = new();
    private readonly BookShipmentHandler _booking;
    private readonly CancelShipmentHandler _cancelling;

    public ShipmentHandlerTests()
    {
        var policy = new ShippingPolicy(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [ShippingPolicy.Key] = "KR,US" }).Build());
        _booking = new BookShipmentHandler(_shipments, policy, TimeProvider.System, NullLogger<BookShipmentHandler>.Instance);
        _cancelling = new CancelShipmentHandler(_shipments, TimeProvider.System, NullLogger<CancelShipmentHandler>.Instance);
    }

    private IReadOnlyList<string> EventIds => _shipments.Events.Select(e => e.MessageId).ToList();

    private Task<Shipment> BookAsync(string orderId, string country) => _booking.HandleAsync(new BookShipment(orderId, country));

    private Task<Shipment> CancelAsync(string orderId) => _cancelling.HandleAsync(new CancelShipment(orderId));

    [Fact]
    public async Task Book_Repeated_AnswersTheFirstBooking_AndAnnouncesOnce()
    {
        // When o-1 is booked to KR twice (a retry, even naming another country)
        var first = await BookAsync("o-1", "KR");
        var again = await BookAsync("o-1", "ZZ");

        // Then the first booking stands and was announced once
        Assert.Equal(ShipmentStatus.Booked, first.Status);
        Assert.Equal(first, again);
        Assert.Equal(first, _shipments["o-1"]);
        Assert.Equal(["shipping:o-1:ShipmentBooked"], EventIds);
    }

    [Fact]
    public async Task Book_WhereWeDoNotShip_IsUnavailable_StaysSo_AndCancellingChangesNothing()
    {
        // Given o-1 to ZZ, unavailable
        var unavailable = await BookAsync("o-1", "ZZ");

        // When it is cancelled, then booked again
        var cancelled = await CancelAsync("o-1");
        var again = await BookAsync("o-1", "ZZ");

        // Then it is Unavailable throughout, with nothing announced
        Assert.Equal(ShipmentStatus.Unavailable, unavailable.Status);
        Assert.Equal(unavailable, cancelled);
        Assert.Equal(unavailable, again);
        Assert.Empty(EventIds);
    }

    [Fact]
    public async Task Cancel_OfBooked_IsCancelled_AnnouncedOnce_AndALateBookingIsRefused()
    {
        // Given o-1 booked to US
        var booked = await BookAsync("o-1", "US");

        // When it is cancelled twice, then booked again
        var cancelled = await CancelAsync("o-1");
        var again = await CancelAsync("o-1");
        var rebooked = await BookAsync("o-1", "US");

        // Then it stays Cancelled; booked and cancelled were each announced once
        Assert.Equal(booked with { Status = ShipmentStatus.Cancelled }, cancelled);
        Assert.Equal(cancelled, again);
        Assert.Equal(cancelled, rebooked);
        Assert.Equal(["shipping:o-1:ShipmentBooked", "shipping:o-1:ShipmentCancelled"], EventIds);
    }

    [Fact]
    public async Task Cancel_OfUnknownOrder_LeavesATombstone_SoALateBookingIsRefused()
    {
        // Given a cancellation that overtook the booking
        var cancelled = await CancelAsync("o-1");

        // When the late booking arrives
        var late = await BookAsync("o-1", "KR");

        // Then it answers the tombstone: nothing booked, nothing announced
        Assert.Equal(Shipment.Tombstone("o-1"), cancelled);
        Assert.Equal(Shipment.Tombstone("o-1"), late);
        Assert.Empty(EventIds);
    }

    [Fact]
    public async Task Cancel_LandingBetweenTheBookingsLoadAndSave_Wins()
    {
        // Given a cancellation of o-1 that lands just before the booking saves
        _shipments.BeforeSave = async _ => await CancelAsync("o-1");

        // When o-1 is booked
        var booking = await BookAsync("o-1", "KR");

        // Then the booking decided again on the tombstone: Cancelled, never announced as booked
        Assert.Equal(ShipmentStatus.Cancelled, booking.Status);
        Assert.Empty(EventIds);
    }

    [Theory]
    [InlineData(null, "KR")]
    [InlineData("o-1", " ")]
    [InlineData("o\\1", "KR")]
    public void Create_WithInvalidInput_IsNull(string? orderId, string? country)
    {
        Assert.Null(BookShipment.Create(orderId, country));
    }
}
