namespace Serverless.Orders.Domain;

/// <summary>
/// An order's state, rebuilt from its events (event sourcing). Nothing is stored but the events;
/// every rule that decides a new event lives here.
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

    /// <summary>May the customer still cancel? Only once, and never after the order is cancelled.</summary>
    public bool CanRequestCancellation => Status != OrderStatus.Cancelled && !CancellationRequested;

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
