using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;

namespace Serverless.Inventory.ReservingStock;

/// <summary>
/// The saga's last inventory step: a confirmed order's reserved units are sold, SKU by SKU, then the
/// reservation is marked committed. Only a Reserved reservation commits; a repeat answers Committed.
/// </summary>
public sealed class CommitStockHandler(IAggregateStore<StockItem> stock, IAggregateStore<Reservation> reservations)
{
    private readonly StockMoves _moves = new(stock);

    /// <summary>The status that stands afterwards (null when the order reserved nothing): Committed on success.</summary>
    public async Task<ReservationStatus?> HandleAsync(string orderId)
    {
        var loaded = await reservations.LoadAsync(orderId);
        if (loaded.State is not { Status: ReservationStatus.Reserved } reserved)
        {
            return loaded.State?.Status;
        }

        foreach (var line in StockMoves.InSkuOrder(reserved.Lines))
        {
            if (!await _moves.CommitAsync(orderId, line))
            {
                return await SettleAsync(orderId); // a release got there first
            }
        }

        try
        {
            await reservations.SaveAsync(loaded, reserved.Commit(), []);
            return ReservationStatus.Committed;
        }
        catch (ConcurrencyConflictException)
        {
            return await SettleAsync(orderId);
        }
    }

    /// <summary>Someone else moved the reservation on: a retry of this call (Committed) or a release, whose give-back must cover the units sold here.</summary>
    private async Task<ReservationStatus?> SettleAsync(string orderId)
    {
        var current = (await reservations.LoadAsync(orderId)).State!;
        if (current.GivesBack)
        {
            await _moves.GiveBackAsync(orderId, current.Lines);
        }

        return current.Status;
    }
}
