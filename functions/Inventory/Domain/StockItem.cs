namespace Serverless.Inventory.Domain;

/// <summary>
/// Stock of one SKU (the aggregate id). <c>Available</c> never goes below zero; reserved units wait for
/// their order's outcome: committed (sold) or given back.
/// </summary>
public sealed record StockItem(string Sku, int Available, int Reserved, long PriceCents)
{
    public static StockItem New(string sku, int available, long priceCents) => new(sku, available, 0, priceCents);

    /// <summary>An admin sets what is on the shelf and the price; units held for orders stay held.</summary>
    public StockItem Restock(int available, long priceCents) => this with { Available = available, PriceCents = priceCents };

    public bool CanReserve(int quantity) => quantity > 0 && Available >= quantity;

    public StockItem Reserve(int quantity) => CanReserve(quantity)
        ? this with { Available = Available - quantity, Reserved = Reserved + quantity }
        : throw new InvalidOperationException($"Only {Available} of {Sku} available.");

    /// <summary>A reservation being undone (refused, or its order cancelled before confirmation): the units are available again.</summary>
    public StockItem Unreserve(int quantity) => this with { Available = Add(Available, quantity), Reserved = Math.Max(0, Reserved - quantity) };

    /// <summary>A confirmed order's units leave <c>reserved</c>: they are sold.</summary>
    public StockItem Commit(int quantity) => this with { Reserved = Math.Max(0, Reserved - quantity) };

    /// <summary>A confirmed order cancelled: its sold units go back to available; other orders' reservations are untouched.</summary>
    public StockItem ReturnSold(int quantity) => this with { Available = Add(Available, quantity) };

    private static int Add(int a, int b) => (int)Math.Min(int.MaxValue, (long)a + b);
}
