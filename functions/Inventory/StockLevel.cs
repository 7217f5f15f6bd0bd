namespace Serverless.Inventory;

public sealed record OrderLine(string Sku, int Quantity);

/// <summary>Stock of one SKU. <c>Available</c> never goes below zero; reserved units wait for the order's outcome.</summary>
public sealed record StockLevel(string Sku, int Available, int Reserved, long PriceCents)
{
    public bool CanReserve(int quantity) => quantity > 0 && Available >= quantity;

    public StockLevel Reserve(int quantity) => CanReserve(quantity)
        ? this with { Available = Available - quantity, Reserved = Reserved + quantity }
        : throw new InvalidOperationException($"Only {Available} of {Sku} available.");

    /// <summary>A cancelled order's units go back to available, whether they were only reserved or already sold.</summary>
    public StockLevel Release(int quantity, bool wasCommitted) => wasCommitted
        ? this with { Available = Available + quantity }
        : this with { Available = Available + quantity, Reserved = Math.Max(0, Reserved - quantity) };

    /// <summary>A confirmed order's units leave <c>reserved</c>: they are sold.</summary>
    public StockLevel Commit(int quantity) => this with { Reserved = Math.Max(0, Reserved - quantity) };

    /// <summary>Sums the quantities of lines that name the same SKU.</summary>
    public static IReadOnlyList<OrderLine> Merge(IEnumerable<OrderLine> lines) =>
        lines.GroupBy(l => l.Sku, StringComparer.Ordinal)
            .Select(g => new OrderLine(g.Key, (int)Math.Min(int.MaxValue, g.Sum(l => (long)l.Quantity)))) // more than exists is simply refused
            .ToList();
}

public enum ReservationStatus
{
    Reserved,
    Committed,
    Released,
    Refused,
}
