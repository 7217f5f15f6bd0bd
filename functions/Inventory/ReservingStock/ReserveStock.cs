using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;

namespace Serverless.Inventory.ReservingStock;

/// <summary>The saga's first inventory step: hold every line of the order, or none.</summary>
public sealed record ReserveStock(string OrderId, IReadOnlyList<OrderLine> Lines)
{
    public const string Rule = "orderId and 1 or more items with a valid sku and quantity > 0 are required.";

    /// <summary>The command, or null when the order id or a line is missing or malformed.</summary>
    public static ReserveStock? Create(string? orderId, IReadOnlyList<OrderLine?>? lines) =>
        string.IsNullOrWhiteSpace(orderId) || lines is not { Count: > 0 } || lines.Any(l => l is null || !Skus.IsValid(l.Sku) || l.Quantity <= 0)
            ? null
            : new ReserveStock(orderId, [.. lines!]);
}

/// <summary>
/// Records the reservation (Pending) first, then holds each SKU in turn, then settles it Reserved — or
/// Refused, giving back what it took. A repeated call answers what the first did, or finishes what a
/// crashed one started; a release that lands meanwhile wins and the units go back.
/// </summary>
public sealed class ReserveStockHandler(IAggregateStore<StockItem> stock, IAggregateStore<Reservation> reservations)
{
    private readonly StockMoves _moves = new(stock);

    public async Task<ReservationStatus> HandleAsync(ReserveStock command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var pending = await AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var loaded = await reservations.LoadAsync(command.OrderId);
            if (loaded.State is not null)
            {
                return loaded;
            }

            var started = Reservation.Start(command.OrderId, command.Lines);
            var version = await reservations.SaveAsync(loaded, started, []);
            return loaded with { State = started, Version = version };
        });
        if (pending.State!.Status is not ReservationStatus.Pending)
        {
            return await SettleAsync(pending.State);
        }

        foreach (var line in StockMoves.InSkuOrder(pending.State.Lines))
        {
            if (!await _moves.ReserveAsync(command.OrderId, line))
            {
                return await FinishAsync(pending, pending.State.Refuse());
            }
        }

        return await FinishAsync(pending, pending.State.Reserve());
    }

    /// <summary>Saves the outcome unless someone settled the reservation first (a release, or a retry of this call); then acts on what stands.</summary>
    private async Task<ReservationStatus> FinishAsync(Loaded<Reservation> pending, Reservation outcome)
    {
        try
        {
            await reservations.SaveAsync(pending, outcome, []);
        }
        catch (ConcurrencyConflictException)
        {
            outcome = (await reservations.LoadAsync(pending.Id)).State!;
        }

        return await SettleAsync(outcome);
    }

    /// <summary>A released or refused order must hold nothing: give back (again; it is idempotent) what it may still hold.</summary>
    private async Task<ReservationStatus> SettleAsync(Reservation reservation)
    {
        if (reservation.GivesBack)
        {
            await _moves.GiveBackAsync(reservation.OrderId, reservation.Lines);
        }

        return reservation.Status;
    }
}
