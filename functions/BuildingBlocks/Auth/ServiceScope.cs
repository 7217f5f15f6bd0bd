namespace Serverless.BuildingBlocks.Auth;

/// <summary>
/// What a service client may do, carried in its token's <c>scope</c> claim (space-separated). The one
/// list of scope names: endpoints require them, the identity service's client table grants them
/// (<c>Identity:Clients:{client}:Scopes</c>), the Bicep mirrors that table.
/// </summary>
public readonly record struct ServiceScope(string Name)
{
    /// <summary>Reserve stock for an order, and its undo (release) and its end (commit).</summary>
    public static readonly ServiceScope InventoryReserve = new("inventory.reserve");

    /// <summary>Charge a wallet for an order, and its undo (refund).</summary>
    public static readonly ServiceScope PaymentsCharge = new("payments.charge");

    /// <summary>Read any order's charge.</summary>
    public static readonly ServiceScope PaymentsRead = new("payments.read");

    /// <summary>Book a shipment for an order, and its undo (cancel).</summary>
    public static readonly ServiceScope ShippingBook = new("shipping.book");

    /// <summary>Read any order's shipment.</summary>
    public static readonly ServiceScope ShippingRead = new("shipping.read");

    /// <summary>Replay a producer's change feed over HTTP (local mode's read-model feed).</summary>
    public static readonly ServiceScope OrdersFeed = new("orders.feed");
    public static readonly ServiceScope PaymentsFeed = new("payments.feed");
    public static readonly ServiceScope ShippingFeed = new("shipping.feed");

    /// <summary>The operations reads (saga counts, projection lag, circuit states); no client holds it today, admins read them.</summary>
    public static readonly ServiceScope OpsRead = new("ops.read");

    public static IReadOnlyList<ServiceScope> All { get; } =
        [InventoryReserve, PaymentsCharge, PaymentsRead, ShippingBook, ShippingRead, OrdersFeed, PaymentsFeed, ShippingFeed, OpsRead];

    /// <summary>The scopes in a <c>scope</c> claim or a client's <c>Scopes</c> setting: space-separated, duplicates ignored.</summary>
    public static IReadOnlySet<string> Parse(string? scopes) =>
        (scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);

    public override string ToString() => Name;
}
