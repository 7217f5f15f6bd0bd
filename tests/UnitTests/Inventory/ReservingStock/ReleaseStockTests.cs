using Serverless.Inventory.Domain;

namespace Serverless.UnitTests.Inventory.ReservingStock;

public sealed class ReleaseStockTests
{
    private readonly InventoryWorld _world = new();

    [Fact]
    public async Task Release_OfAReservation_ReturnsItsUnits_Once()
    {
        // Given an order holding 4 of A's 10 and 1 of B's 2
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 2);
        await _world.ReserveAsync("order-1", ("A", 4), ("B", 1));

        // When it is released twice (a retry)
        var first = await _world.Release.HandleAsync("order-1");
        var again = await _world.Release.HandleAsync("order-1");

        // Then both answer Released and the stock is back, once
        Assert.Equal((ReservationStatus.Released, ReservationStatus.Released), (first, again));
        Assert.Equal([(10, 0), (2, 0)], _world.Levels("A", "B"));
    }

    [Fact]
    public async Task Release_AfterCommit_ReturnsTheSoldUnits_AndLeavesOtherOrdersHeld()
    {
        // Given order 1 bought 4 of A's 10 (reserved, committed) and order 2 holds 2 more
        await _world.StockAsync("A", 10);
        await _world.ReserveAsync("order-1", ("A", 4));
        Assert.Equal(ReservationStatus.Committed, await _world.Commit.HandleAsync("order-1"));
        await _world.ReserveAsync("order-2", ("A", 2));

        // When order 1 is cancelled and its stock released
        var status = await _world.Release.HandleAsync("order-1");

        // Then its 4 units are available again and order 2's 2 stay reserved
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal([(8, 2)], _world.Levels("A"));
    }

    [Fact]
    public async Task Release_OfARefusedReservation_AnswersRefused_AndStaysRefused()
    {
        // Given an order refused for want of stock
        await _world.StockAsync("A", 1);
        await _world.ReserveAsync("order-1", ("A", 3));

        // When the saga releases it anyway
        var status = await _world.Release.HandleAsync("order-1");

        // Then the answer is Refused, the reservation stays so and the stock is untouched
        Assert.Equal(ReservationStatus.Refused, status);
        Assert.Equal(ReservationStatus.Refused, _world.StatusOf("order-1"));
        Assert.Equal([(1, 0)], _world.Levels("A"));
    }

    [Fact]
    public async Task Release_OfAnUnknownOrder_LeavesAReleasedTombstone()
    {
        // Given no reservation for the order; When it is released
        var status = await _world.Release.HandleAsync("order-1");

        // Then the answer is Released and the order is recorded released, holding nothing
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal(Reservation.Tombstone("order-1").Status, _world.StatusOf("order-1"));
        Assert.Empty(_world.Reservations["order-1"]!.Lines);
    }

    [Fact]
    public async Task Release_CrashAfterMarkingReleased_ThenRetried_FinishesGivingBack()
    {
        // Given an order holding A and B, and a release that dies after marking it released, before any unit is back
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 10);
        await _world.ReserveAsync("order-1", ("A", 2), ("B", 3));
        InventoryWorld.BeforeSave(_world.Stock, 1, () => throw new SimulatedCrashException());
        await Assert.ThrowsAsync<SimulatedCrashException>(() => _world.Release.HandleAsync("order-1"));
        Assert.Equal([(8, 2), (7, 3)], _world.Levels("A", "B"));

        // When the saga retries the release
        var status = await _world.Release.HandleAsync("order-1");

        // Then every unit is back, once
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal([(10, 0), (10, 0)], _world.Levels("A", "B"));
    }
}
