using Serverless.Inventory.Domain;

namespace Serverless.UnitTests.Inventory.ReservingStock;

public sealed class CommitStockTests
{
    private readonly InventoryWorld _world = new();

    [Fact]
    public async Task Commit_OfAReservation_SellsItsUnits_Once()
    {
        // Given an order holding 4 of A's 10
        await _world.StockAsync("A", 10);
        await _world.ReserveAsync("order-1", ("A", 4));

        // When it is committed twice (a retry)
        var first = await _world.Commit.HandleAsync("order-1");
        var again = await _world.Commit.HandleAsync("order-1");

        // Then both answer Committed and the units left reserved once, without coming back to available
        Assert.Equal((ReservationStatus.Committed, ReservationStatus.Committed), (first, again));
        Assert.Equal([(6, 0)], _world.Levels("A"));
    }

    [Fact]
    public async Task Commit_WithoutAReservation_AnswersNone()
    {
        // Given no reservation; When the order is committed; Then there is nothing to commit
        Assert.Null(await _world.Commit.HandleAsync("order-1"));
    }

    [Fact]
    public async Task Commit_OfAReleasedOrRefusedReservation_AnswersItsStatus_AndSellsNothing()
    {
        // Given a released order and a refused one
        await _world.StockAsync("A", 3);
        await _world.ReserveAsync("released", ("A", 2));
        await _world.Release.HandleAsync("released");
        await _world.ReserveAsync("refused", ("A", 5));

        // When each is committed
        var statuses = (await _world.Commit.HandleAsync("released"), await _world.Commit.HandleAsync("refused"));

        // Then neither commits and the stock is untouched
        Assert.Equal((ReservationStatus.Released, ReservationStatus.Refused), statuses);
        Assert.Equal([(3, 0)], _world.Levels("A"));
    }

    [Fact]
    public async Task Commit_WhenAReleaseLandsBetweenItsSkus_EndsReleased_WithStockExactlyAsBefore()
    {
        // Given order 1 holding A and B, order 2 one of each, and a release of order 1 that lands after A is sold, before B
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 10);
        await _world.ReserveAsync("order-1", ("A", 2), ("B", 3));
        await _world.ReserveAsync("order-2", ("A", 1), ("B", 1));
        InventoryWorld.BeforeSave(_world.Stock, 2, () => _world.Release.HandleAsync("order-1"));

        // When the commit runs
        var status = await _world.Commit.HandleAsync("order-1");

        // Then the release wins: A's sold units and B's reserved ones are all back, and order 2 still holds its own
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal([(9, 1), (9, 1)], _world.Levels("A", "B"));
    }

    [Fact]
    public async Task Commit_WhenAReleaseLandsBeforeItsFinalSave_EndsReleased_WithStockExactlyAsBefore()
    {
        // Given order 1 holding A and B, order 2 one of each, and a release of order 1 that lands after both are sold, before the reservation is marked Committed
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 10);
        await _world.ReserveAsync("order-1", ("A", 2), ("B", 3));
        await _world.ReserveAsync("order-2", ("A", 1), ("B", 1));
        InventoryWorld.BeforeSave(_world.Reservations, 1, () => _world.Release.HandleAsync("order-1"));

        // When the commit runs
        var status = await _world.Commit.HandleAsync("order-1");

        // Then the release wins and every sold unit is back, and order 2 still holds its own
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal([(9, 1), (9, 1)], _world.Levels("A", "B"));
    }
}
