using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;
using Serverless.Inventory.ManagingStock;
using Serverless.Inventory.ReservingStock;

namespace Serverless.IntegrationTests.Inventory.ReservingStock;

/// <summary>
/// The reservation handlers under real contention, on each adapter of the aggregate store: the rules
/// must hold where saves race for real (SQLite's transactions, Cosmos DB's per-document 409s).
/// </summary>
public abstract class ConcurrentReservationsContract
{
    protected abstract Task<(IAggregateStore<StockItem> Stock, IAggregateStore<Reservation> Reservations)> CreateStoresAsync();

    [Fact]
    public async Task TwentyOrdersForTenUnits_ReserveExactlyTen_AndReleasingAllGivesEveryUnitBack()
    {
        // Given 10 units of one SKU
        var (stock, reservations) = await CreateStoresAsync();
        await new PutItemHandler(stock).HandleAsync(new PutItem("SKU-1", 10, 500));
        var orders = Enumerable.Range(1, 20).Select(i => $"order-{i:D2}").ToList();

        // When 20 different orders each reserve 1 unit at the same time
        var reserve = new ReserveStockHandler(stock, reservations);
        var statuses = await Task.WhenAll(orders.Select(o => Task.Run(() => reserve.HandleAsync(new ReserveStock(o, [new OrderLine("SKU-1", 1)])))));

        // Then exactly 10 are reserved and 10 refused, and the SKU holds all 10 for them
        Assert.Equal(10, statuses.Count(s => s == ReservationStatus.Reserved));
        Assert.Equal(10, statuses.Count(s => s == ReservationStatus.Refused));
        Assert.Equal((0, 10), await LevelAsync(stock));

        // And when all 20 are released at the same time
        var release = new ReleaseStockHandler(stock, reservations);
        var released = await Task.WhenAll(orders.Select(o => Task.Run(() => release.HandleAsync(o))));

        // Then every unit is back once, and the refused orders stay refused
        Assert.Equal((10, 0), await LevelAsync(stock));
        Assert.Equal(statuses.Select(s => s == ReservationStatus.Refused ? ReservationStatus.Refused : ReservationStatus.Released), released);
    }

    private static async Task<(int Available, int Reserved)> LevelAsync(IAggregateStore<StockItem> stock)
    {
        var item = (await stock.LoadAsync("SKU-1")).State!;
        return (item.Available, item.Reserved);
    }
}
