using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;
using Serverless.Inventory.ManagingStock;
using Serverless.Inventory.ReservingStock;
using Serverless.UnitTests.Storage;

namespace Serverless.UnitTests.Inventory;

/// <summary>The inventory handlers over in-memory stores, with helpers to stock SKUs, read them back and interleave a racing call.</summary>
public sealed class InventoryWorld
{
    public InMemoryAggregateStore<StockItem> Stock { get; } = new();

    public InMemoryAggregateStore<Reservation> Reservations { get; } = new();

    public ReserveStockHandler Reserve => new(Stock, Reservations);

    public ReleaseStockHandler Release => new(Stock, Reservations);

    public CommitStockHandler Commit => new(Stock, Reservations);

    public PutItemHandler Put => new(Stock);

    public Task<ReservationStatus> ReserveAsync(string orderId, params (string Sku, int Quantity)[] lines) =>
        Reserve.HandleAsync(new ReserveStock(orderId, [.. lines.Select(l => new OrderLine(l.Sku, l.Quantity))]));

    public async Task StockAsync(string sku, int available) => await Put.HandleAsync(new PutItem(sku, available, 500));

    /// <summary>(available, reserved) of each SKU, for one-line assertions on the whole shelf.</summary>
    public (int Available, int Reserved)[] Levels(params string[] skus) =>
        [.. skus.Select(s => Stock[s] is { } item ? (item.Available, item.Reserved) : (-1, -1))];

    public ReservationStatus? StatusOf(string orderId) => Reservations[orderId]?.Status;

    /// <summary>Runs <paramref name="interleaved"/> just before the <paramref name="n"/>th save on <paramref name="store"/> from now (a racing caller, or a crash when it throws).</summary>
    public static void BeforeSave<T>(InMemoryAggregateStore<T> store, int n, Func<Task> interleaved)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(store);
        var seen = 0;
        Func<Loaded<T>, Task>? hook = null;
        hook = async _ =>
        {
            if (++seen == n)
            {
                await interleaved();
            }
            else
            {
                store.BeforeSave = hook; // the store disarms the hook before each call: arm it again for the next save
            }
        };
        store.BeforeSave = hook;
    }
}

/// <summary>A process dying in the middle of a handler.</summary>
public sealed class SimulatedCrashException() : Exception("The process died here.");
