using Serverless.Inventory.Domain;
using Serverless.Inventory.ReservingStock;

namespace Serverless.UnitTests.Inventory.ReservingStock;

public sealed class ReserveStockTests
{
    private readonly InventoryWorld _world = new();

    [Fact]
    public async Task Reserve_EveryLineInStock_HoldsEachLine_AndIsReserved()
    {
        // Given 10 of A and 5 of B
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 5);

        // When an order reserves 3 of A and 5 of B
        var status = await _world.ReserveAsync("order-1", ("A", 3), ("B", 5));

        // Then it is reserved and each SKU holds its line
        Assert.Equal(ReservationStatus.Reserved, status);
        Assert.Equal([(7, 3), (0, 5)], _world.Levels("A", "B"));
        Assert.Equal(ReservationStatus.Reserved, _world.StatusOf("order-1"));
    }

    [Fact]
    public async Task Reserve_OneLineShort_IsRefused_AndNoLineKeepsAnything()
    {
        // Given plenty of A and 2 of Z (A is reserved first: lines go in SKU order)
        await _world.StockAsync("A", 50);
        await _world.StockAsync("Z", 2);

        // When an order wants 1 of A and 3 of Z
        var status = await _world.ReserveAsync("order-1", ("Z", 3), ("A", 1));

        // Then it is refused, and A's unit taken on the way is back: all or nothing
        Assert.Equal(ReservationStatus.Refused, status);
        Assert.Equal([(50, 0), (2, 0)], _world.Levels("A", "Z"));
        Assert.Equal(ReservationStatus.Refused, _world.StatusOf("order-1"));
    }

    [Fact]
    public async Task Reserve_UnknownSku_IsRefused_AndCreatesNoItem()
    {
        // Given A in stock and no SKU "ghost"; When an order names both
        await _world.StockAsync("A", 5);
        var status = await _world.ReserveAsync("order-1", ("A", 1), ("ghost", 1));

        // Then it is refused, A is untouched and "ghost" still does not exist
        Assert.Equal(ReservationStatus.Refused, status);
        Assert.Equal([(5, 0)], _world.Levels("A"));
        Assert.Null(_world.Stock["ghost"]);
    }

    [Fact]
    public async Task Reserve_Repeated_AnswersReserved_AndHoldsOnce()
    {
        // Given an order that reserved 3 of 10
        await _world.StockAsync("A", 10);
        await _world.ReserveAsync("order-1", ("A", 3));

        // When the saga retries the same reservation
        var again = await _world.ReserveAsync("order-1", ("A", 3));

        // Then the answer is the same and 3 units are held, not 6
        Assert.Equal(ReservationStatus.Reserved, again);
        Assert.Equal([(7, 3)], _world.Levels("A"));
    }

    [Fact]
    public async Task Reserve_RepeatedAfterARefusal_AnswersRefused_EvenIfStockArrivedSince()
    {
        // Given an order refused for want of stock, and the SKU restocked afterwards
        await _world.StockAsync("A", 1);
        Assert.Equal(ReservationStatus.Refused, await _world.ReserveAsync("order-1", ("A", 3)));
        await _world.StockAsync("A", 10);

        // When the saga retries the same reservation
        var again = await _world.ReserveAsync("order-1", ("A", 3));

        // Then it answers what the first call did and takes nothing
        Assert.Equal(ReservationStatus.Refused, again);
        Assert.Equal([(10, 0)], _world.Levels("A"));
    }

    [Fact]
    public async Task Reserve_LinesNamingTheSameSku_AreAddedUp()
    {
        // Given 5 of A; When one order names A on two lines, 2 + 3
        await _world.StockAsync("A", 5);
        var status = await _world.ReserveAsync("order-1", ("A", 2), ("A", 3));

        // Then all 5 are held by one line
        Assert.Equal(ReservationStatus.Reserved, status);
        Assert.Equal([(0, 5)], _world.Levels("A"));
        Assert.Equal([new OrderLine("A", 5)], _world.Reservations["order-1"]!.Lines);
    }

    [Fact]
    public async Task Reserve_CrashAfterTheFirstSku_ThenRetried_ReservesEachSkuOnce()
    {
        // Given 10 of A and 10 of B, and a handler that dies right after saving A
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 10);
        InventoryWorld.BeforeSave(_world.Stock, 2, () => throw new SimulatedCrashException());
        await Assert.ThrowsAsync<SimulatedCrashException>(() => _world.ReserveAsync("order-1", ("A", 2), ("B", 3)));
        Assert.Equal([(8, 2), (10, 0)], _world.Levels("A", "B"));

        // When the saga retries the reservation
        var status = await _world.ReserveAsync("order-1", ("A", 2), ("B", 3));

        // Then it finishes: each SKU holds its line once
        Assert.Equal(ReservationStatus.Reserved, status);
        Assert.Equal([(8, 2), (7, 3)], _world.Levels("A", "B"));
    }

    [Fact]
    public async Task Reserve_CrashAfterTheFirstSku_ThenReleased_LeavesStockAsBefore()
    {
        // Given a reservation that died after holding A (its order is then cancelled instead of retried)
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 10);
        InventoryWorld.BeforeSave(_world.Stock, 2, () => throw new SimulatedCrashException());
        await Assert.ThrowsAsync<SimulatedCrashException>(() => _world.ReserveAsync("order-1", ("A", 2), ("B", 3)));

        // When the saga compensates
        var status = await _world.Release.HandleAsync("order-1");

        // Then the pending reservation is released and A's units are back
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal([(10, 0), (10, 0)], _world.Levels("A", "B"));
    }

    [Fact]
    public async Task Reserve_WhenAReleaseLandsBetweenItsSkus_EndsReleased_WithStockExactlyAsBefore()
    {
        // Given 10 of A and 10 of B, and a release of the order that lands after A is held, before B
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 10);
        var released = Task.FromResult(ReservationStatus.Pending);
        InventoryWorld.BeforeSave(_world.Stock, 2, () => released = _world.Release.HandleAsync("order-1"));

        // When the reservation runs
        var status = await _world.ReserveAsync("order-1", ("A", 2), ("B", 3));

        // Then the release wins: the reserve answers Released and neither SKU keeps a unit
        Assert.Equal(ReservationStatus.Released, await released);
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal(ReservationStatus.Released, _world.StatusOf("order-1"));
        Assert.Equal([(10, 0), (10, 0)], _world.Levels("A", "B"));
    }

    [Fact]
    public async Task Reserve_WhenAReleaseLandsBeforeItsFinalSave_EndsReleased_WithStockExactlyAsBefore()
    {
        // Given 10 of A and 10 of B, and a release that lands after both are held, before the reservation is marked Reserved
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 10);
        InventoryWorld.BeforeSave(_world.Reservations, 2, () => _world.Release.HandleAsync("order-1"));

        // When the reservation runs
        var status = await _world.ReserveAsync("order-1", ("A", 2), ("B", 3));

        // Then the release wins and the stock is exactly as before
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal(ReservationStatus.Released, _world.StatusOf("order-1"));
        Assert.Equal([(10, 0), (10, 0)], _world.Levels("A", "B"));
    }

    [Fact]
    public async Task Reserve_WhenARetryOfItselfFinishesFirst_AnswersReserved_AndHoldsOnce()
    {
        // Given 10 of A and 10 of B, and the same reservation arriving again while the first is between its SKUs
        await _world.StockAsync("A", 10);
        await _world.StockAsync("B", 10);
        var retry = Task.FromResult(ReservationStatus.Pending);
        InventoryWorld.BeforeSave(_world.Stock, 2, () => retry = _world.ReserveAsync("order-1", ("A", 2), ("B", 3)));

        // When the first call goes on
        var status = await _world.ReserveAsync("order-1", ("A", 2), ("B", 3));

        // Then both answer Reserved and each SKU holds its line once
        Assert.Equal((ReservationStatus.Reserved, ReservationStatus.Reserved), (status, await retry));
        Assert.Equal([(8, 2), (7, 3)], _world.Levels("A", "B"));
    }

    [Fact]
    public async Task Reserve_AfterAReleaseOfTheUnknownOrder_IsReleased_AndTakesNothing()
    {
        // Given 10 of A, and a compensation that overtook its reservation
        await _world.StockAsync("A", 10);
        Assert.Equal(ReservationStatus.Released, await _world.Release.HandleAsync("order-1"));

        // When the late reservation arrives
        var status = await _world.ReserveAsync("order-1", ("A", 3));

        // Then it is refused as already released and takes no stock
        Assert.Equal(ReservationStatus.Released, status);
        Assert.Equal([(10, 0)], _world.Levels("A"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public void Create_WithoutOrderId_IsNull(string? orderId) =>
        Assert.Null(ReserveStock.Create(orderId, [new OrderLine("A", 1)]));

    [Fact]
    public void Create_WithNoLinesOrABadLine_IsNull()
    {
        // Given an empty order, a null line, a bad SKU and a zero quantity; When each is turned into a command; Then none is
        Assert.Null(ReserveStock.Create("o-1", []));
        Assert.Null(ReserveStock.Create("o-1", [null]));
        Assert.Null(ReserveStock.Create("o-1", [new OrderLine("bad sku", 1)]));
        Assert.Null(ReserveStock.Create("o-1", [new OrderLine("A", 0)]));
    }
}
