using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;

namespace Serverless.Inventory.ReservingStock;

/// <summary>
/// The saga's compensation: marks the order released first — so a reserve or commit still running for
/// it notices when it settles — then gives back whatever the order holds on each SKU. Releasing an
/// unknown order leaves a tombstone so a late reserve cannot take stock. Safe to repeat.
/// </summary>
public sealed class ReleaseStockHandler(IAggregateStore<StockItem> stock, IAggregateStore<Reservation> reservations)
{
    private readonly StockMoves _moves = new(stock);

    /// <summary>Released, or Refused when the reservation had been refused (nothing was held).</summary>
    public async Task<ReservationStatus> HandleAsync(string orderId)
    {
        var reservation = await AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var loaded = await reservations.LoadAsync(orderId);
            var released = loaded.State switch
            {
                null => Reservation.Tombstone(orderId),
                { GivesBack: true } => null,
                { } live => live.Release(),
            };
            if (released is not null)
            {
                await reservations.SaveAsync(loaded, released, []);
            }

            return released ?? loaded.State!;
        });

        // Also when it was already released or refused: finishes a give-back that was interrupted.
        await _moves.GiveBackAsync(orderId, reservation.Lines);
        return reservation.Status is ReservationStatus.Refused ? ReservationStatus.Refused : ReservationStatus.Released;
    }
}
