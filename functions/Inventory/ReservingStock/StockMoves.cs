using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;

namespace Serverless.Inventory.ReservingStock;

/// <summary>
/// An order's moves on each of its SKUs, one <see cref="StockItem"/> save each (there is no transaction
/// across SKUs). Each move is saved with an operation id naming the order — <c>reserve:</c>,
/// <c>commit:</c>, <c>release:</c> — so a retried or racing handler applies it at most once, and the
/// give-back knows from the item itself what the order holds there: reserved units or sold ones.
/// </summary>
public sealed class StockMoves(IAggregateStore<StockItem> stock)
{
    public static string ReserveOp(string orderId) => $"reserve:{orderId}";

    public static string CommitOp(string orderId) => $"commit:{orderId}";

    public static string ReleaseOp(string orderId) => $"release:{orderId}";

    /// <summary>Holds the line's units for the order (once); false when the SKU is unknown or short.</summary>
    public Task<bool> ReserveAsync(string orderId, OrderLine line) =>
        AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var (item, applied) = await LoadAsync(line.Sku, ReserveOp(orderId));
            if (applied.Contains(ReserveOp(orderId)))
            {
                return true;
            }

            if (item.State is not { } state || !state.CanReserve(line.Quantity))
            {
                return false;
            }

            await stock.SaveAsync(item, state.Reserve(line.Quantity), [], ReserveOp(orderId));
            return true;
        });

    /// <summary>Sells the line's reserved units (once); false when the order's units on this SKU were already given back.</summary>
    public Task<bool> CommitAsync(string orderId, OrderLine line) =>
        AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var (item, applied) = await LoadAsync(line.Sku, CommitOp(orderId), ReleaseOp(orderId));
            if (applied.Contains(CommitOp(orderId)))
            {
                return true;
            }

            if (applied.Contains(ReleaseOp(orderId)) || item.State is not { } state)
            {
                return false;
            }

            await stock.SaveAsync(item, state.Commit(line.Quantity), [], CommitOp(orderId));
            return true;
        });

    /// <summary>
    /// Gives back whatever the order still holds on each line (once): sold units return to available,
    /// reserved ones are unreserved, lines it never took are left alone. Safe to run again and again.
    /// </summary>
    public async Task GiveBackAsync(string orderId, IEnumerable<OrderLine> lines)
    {
        foreach (var line in InSkuOrder(lines))
        {
            await AggregateStoreExtensions.RetryOnConflictAsync(async () =>
            {
                var (item, applied) = await LoadAsync(line.Sku, ReleaseOp(orderId), CommitOp(orderId), ReserveOp(orderId));
                var given = item.State switch
                {
                    null => null,
                    _ when applied.Contains(ReleaseOp(orderId)) => null,
                    { } sold when applied.Contains(CommitOp(orderId)) => sold.ReturnSold(line.Quantity),
                    { } held when applied.Contains(ReserveOp(orderId)) => held.Unreserve(line.Quantity),
                    _ => null,
                };
                if (given is not null)
                {
                    await stock.SaveAsync(item, given, [], ReleaseOp(orderId));
                }

                return given;
            });
        }
    }

    /// <summary>Lines in one order for every handler: SKU order.</summary>
    public static IEnumerable<OrderLine> InSkuOrder(IEnumerable<OrderLine> lines) => lines.OrderBy(l => l.Sku, StringComparer.Ordinal);

    /// <summary>
    /// The item and which of <paramref name="operations"/> were applied to it, all as of one version
    /// (the port answers one operation per load; a save in between makes them disagree: load again).
    /// </summary>
    private async Task<(Loaded<StockItem> Item, HashSet<string> Applied)> LoadAsync(string sku, params string[] operations)
    {
        Loaded<StockItem>? first = null;
        var applied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            var loaded = await stock.LoadAsync(sku, operation);
            if (first is not null && loaded.Version != first.Version)
            {
                throw new ConcurrencyConflictException(nameof(StockItem), sku, first.Version);
            }

            first ??= loaded;
            if (loaded.OperationApplied)
            {
                applied.Add(operation);
            }
        }

        return (first!, applied);
    }
}
