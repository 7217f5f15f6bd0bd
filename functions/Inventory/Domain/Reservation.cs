namespace Serverless.Inventory.Domain;

public sealed record OrderLine(string Sku, int Quantity);

public enum ReservationStatus
{
    /// <summary>Recorded, its lines being reserved one SKU at a time.</summary>
    Pending,
    Reserved,
    Committed,
    Released,
    Refused,
}

/// <summary>
/// One order's hold on stock (the aggregate id is the order id) and the saga step's idempotency record:
/// Pending -> Reserved | Refused; Reserved -> Committed; Pending | Reserved | Committed -> Released.
/// Its lines live on other aggregates (one <see cref="StockItem"/> per SKU), so it is recorded first and
/// settled last; a release that lands in between wins, and whoever sees it gives the units back.
/// </summary>
public sealed record Reservation(string OrderId, ReservationStatus Status, IReadOnlyList<OrderLine> Lines)
{
    public static Reservation Start(string orderId, IEnumerable<OrderLine> lines) => new(orderId, ReservationStatus.Pending, Merge(lines));

    /// <summary>A release that overtook its reservation: the order is marked released so the late reserve is refused.</summary>
    public static Reservation Tombstone(string orderId) => new(orderId, ReservationStatus.Released, []);

    /// <summary>Released or refused: any unit this order still holds must go back.</summary>
    public bool GivesBack => Status is ReservationStatus.Released or ReservationStatus.Refused;

    public Reservation Reserve() => Move(ReservationStatus.Reserved, ReservationStatus.Pending);

    public Reservation Refuse() => Move(ReservationStatus.Refused, ReservationStatus.Pending);

    public Reservation Commit() => Move(ReservationStatus.Committed, ReservationStatus.Reserved);

    public Reservation Release() => Move(ReservationStatus.Released, ReservationStatus.Pending, ReservationStatus.Reserved, ReservationStatus.Committed);

    /// <summary>Sums the quantities of lines that name the same SKU, keeping the first-seen order.</summary>
    public static IReadOnlyList<OrderLine> Merge(IEnumerable<OrderLine> lines) =>
        lines.GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new OrderLine(g.Key, (int)Math.Min(int.MaxValue, g.Sum(l => (long)l.Quantity)))) // more than exists is simply refused
            .ToList();

    private Reservation Move(ReservationStatus to, params ReservationStatus[] from) => from.Contains(Status)
        ? this with { Status = to }
        : throw new InvalidOperationException($"Reservation {OrderId} is {Status}; it cannot become {to}.");
}
