namespace Serverless.Orders.Domain;

/// <summary>
/// Everything <see cref="Order"/>'s Apply has built up to <see cref="Version"/>, as stored in a
/// snapshot: loading starts here and applies only the later events.
/// </summary>
public sealed record OrderSnapshot(
    string Id,
    string CustomerId,
    string Status,
    IReadOnlyList<OrderLine> Items,
    decimal Total,
    ShippingAddress? ShippingAddress,
    string? CancellationReason,
    int Version,
    DateTimeOffset PlacedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Happened);

/// <summary>
/// An order's state, rebuilt from its events (event sourcing). The events are the truth; a snapshot
/// only shortens the replay. Every rule that decides a new event lives here.
/// </summary>
public sealed class Order
{
    private readonly HashSet<string> _happened = new(StringComparer.Ordinal);
    private readonly List<OrderLine> _items = [];

    private Order(string id) => Id = id;

    public string Id { get; }
    public string CustomerId { get; private set; } = "";
    public string Status { get; private set; } = OrderStatus.Pending;
    public IReadOnlyCollection<OrderLine> Items => _items;
    public decimal Total { get; private set; }
    public ShippingAddress? ShippingAddress { get; private set; }
    public string? CancellationReason { get; private set; }
    public int Version { get; private set; }
    public DateTimeOffset PlacedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public bool CancellationRequested => Has(nameof(Domain.CancellationRequested));

    public bool Has(string eventType) => _happened.Contains(eventType);

    public static Order? Rehydrate(string id, IEnumerable<StoredEvent> events)
    {
        Order? order = null;
        foreach (var e in events)
        {
            order ??= new Order(id);
            order.Apply(e);
        }

        return order;
    }

    /// <summary>The state at the snapshot's version, then <paramref name="laterEvents"/> applied in order.</summary>
    public static Order FromSnapshot(OrderSnapshot snapshot, IEnumerable<StoredEvent> laterEvents)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(laterEvents);
        var order = new Order(snapshot.Id)
        {
            CustomerId = snapshot.CustomerId,
            Status = snapshot.Status,
            Total = snapshot.Total,
            ShippingAddress = snapshot.ShippingAddress,
            CancellationReason = snapshot.CancellationReason,
            Version = snapshot.Version,
            PlacedAt = snapshot.PlacedAt,
            UpdatedAt = snapshot.UpdatedAt,
        };
        order._items.AddRange(snapshot.Items);
        order._happened.UnionWith(snapshot.Happened);
        foreach (var e in laterEvents)
        {
            order.Apply(e);
        }

        return order;
    }

    public OrderSnapshot ToSnapshot() => new(
        Id, CustomerId, Status, [.. _items], Total, ShippingAddress, CancellationReason, Version, PlacedAt, UpdatedAt,
        [.. _happened.Order(StringComparer.Ordinal)]);

    /// <summary>May the customer still cancel? Only once, and never after the order is cancelled.</summary>
    public bool CanRequestCancellation => Status != OrderStatus.Cancelled && !CancellationRequested;

    public const int MaxLines = 50;
    public const int MaxQuantity = 1000;

    /// <summary>
    /// A new order of <paramref name="lines"/> (priced by the catalogue) for <paramref name="customerId"/>:
    /// 1 to <see cref="MaxLines"/> lines of 1 to <see cref="MaxQuantity"/> units each; the total is the
    /// sum of the lines, never a client's figure.
    /// </summary>
    public static OrderPlaced Place(string customerId, IReadOnlyList<OrderLine> lines, ShippingAddress address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(address);
        if (lines.Count is < 1 or > MaxLines)
        {
            throw new ArgumentException($"An order holds 1 to {MaxLines} lines.", nameof(lines));
        }

        if (lines.Any(l => l.Quantity is < 1 or > MaxQuantity || l.UnitPrice < 0))
        {
            throw new ArgumentException($"Every line has 1 to {MaxQuantity} units at a price of at least 0.", nameof(lines));
        }

        return new OrderPlaced(customerId, [.. lines], lines.Sum(l => l.UnitPrice * l.Quantity), address);
    }

    /// <summary>The customer's cancellation: accepted once while the order is not cancelled, refused after that.</summary>
    public Decision<CancellationRequested> RequestCancellation(string requestedBy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        if (Status == OrderStatus.Cancelled)
        {
            return Decision<CancellationRequested>.Refuse($"Order {Id} is already cancelled.");
        }

        return CancellationRequested
            ? Decision<CancellationRequested>.Refuse($"Order {Id} is already being cancelled.")
            : Decision<CancellationRequested>.Accept(new CancellationRequested(requestedBy));
    }

    private void Apply(StoredEvent e)
    {
        switch (e.Data)
        {
            case OrderPlaced placed:
                CustomerId = placed.CustomerId;
                _items.AddRange(placed.Items);
                Total = placed.Total;
                ShippingAddress = placed.ShippingAddress;
                PlacedAt = e.At;
                break;
            case OrderConfirmed:
                Status = OrderStatus.Confirmed;
                break;
            case OrderCancelled cancelled:
                // Cancelled shows only now, after every compensation has been applied.
                Status = OrderStatus.Cancelled;
                CancellationReason = cancelled.Reason;
                break;
        }

        _happened.Add(e.Type);
        Version = e.Version;
        UpdatedAt = e.At;
    }
}
