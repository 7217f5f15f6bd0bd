using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.OrderHistory.Projecting;

public sealed record TimelineEntry(string Type, DateTimeOffset At);

/// <summary>An event as the history keeps it: its place on the timeline, and its id to recognise it when it comes again.</summary>
public sealed record HistoryEvent(string MessageId, string Type, DateTimeOffset At);

/// <summary>
/// One order in the order-history read model, built by <see cref="Apply"/>ing the sources' events
/// in whatever order they arrive. It keeps what was applied (each event once, by message id) and
/// derives everything else from that — status, last update, timeline — so the same events in any
/// order give the same view, and a rebuild from the sources' feeds equals the live model.
/// Stores persist it; they never decide what it holds.
/// </summary>
public sealed class OrderHistoryView
{
    /// <summary>Orders' own copies of the participants' facts: the participants' events tell those.</summary>
    private static readonly HashSet<string> TakenFromParticipants = ["PaymentCharged", "PaymentRefunded", "ShipmentBooked", "ShipmentCancelled"];

    private readonly List<HistoryEvent> _applied;

    public OrderHistoryView(string orderId)
        : this(orderId, null, null, [])
    {
    }

    /// <summary>A view as stored: the applied events may come in any order.</summary>
    [JsonConstructor]
    public OrderHistoryView(string orderId, string? customerId, decimal? total, IReadOnlyList<HistoryEvent> applied)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        ArgumentNullException.ThrowIfNull(applied);
        OrderId = orderId;
        CustomerId = customerId;
        Total = total;
        _applied = [.. applied.DistinctBy(e => e.MessageId, StringComparer.Ordinal).Order(Chronologically)];
    }

    /// <summary>Newest update first, then by order id: how a customer's history is listed.</summary>
    public static IComparer<OrderHistoryView> NewestFirst { get; } = Comparer<OrderHistoryView>.Create((a, b) =>
    {
        var byUpdate = b.UpdatedAt.CompareTo(a.UpdatedAt);
        return byUpdate != 0 ? byUpdate : string.CompareOrdinal(a.OrderId, b.OrderId);
    });

    private static IComparer<HistoryEvent> Chronologically { get; } = Comparer<HistoryEvent>.Create((a, b) =>
    {
        var byTime = a.At.CompareTo(b.At);
        if (byTime != 0)
        {
            return byTime;
        }

        var byType = string.CompareOrdinal(a.Type, b.Type);
        return byType != 0 ? byType : string.CompareOrdinal(a.MessageId, b.MessageId);
    });

    public string OrderId { get; }

    public string? CustomerId { get; private set; }

    public decimal? Total { get; private set; }

    /// <summary>Every event applied, oldest first: the view's inbox as well as its timeline.</summary>
    public IReadOnlyList<HistoryEvent> Applied => _applied;

    [JsonIgnore]
    public string Status =>
        _applied.Any(e => e.Type == "OrderCancelled") ? "Cancelled" : _applied.Any(e => e.Type == "OrderConfirmed") ? "Confirmed" : "Pending";

    [JsonIgnore]
    public DateTimeOffset UpdatedAt => _applied.Count == 0 ? DateTimeOffset.MinValue : _applied[^1].At;

    [JsonIgnore]
    public IReadOnlyList<TimelineEntry> Timeline => [.. _applied.Select(e => new TimelineEntry(e.Type, e.At))];

    /// <summary>Whether the history takes <paramref name="e"/> at all.</summary>
    public static bool Counts(IntegrationEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return !(e.Topic == "orders" && TakenFromParticipants.Contains(e.Type));
    }

    public bool HasApplied(string messageId) => _applied.Exists(e => e.MessageId == messageId);

    /// <summary>Applies <paramref name="e"/> once: false (nothing changes) when the history does not take it or already has it.</summary>
    public bool Apply(IntegrationEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Subject != OrderId)
        {
            throw new ArgumentException($"Event {e.MessageId} is about '{e.Subject}', not order '{OrderId}'.", nameof(e));
        }

        if (!Counts(e) || HasApplied(e.MessageId))
        {
            return false;
        }

        Insert(new HistoryEvent(e.MessageId, e.Type, e.At.ToUniversalTime()));
        CustomerId ??= e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty("customerId", out var customer) && customer.ValueKind == JsonValueKind.String
            ? customer.GetString()
            : null;
        if (e.Type == "OrderPlaced" && e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty("event", out var placed)
            && placed.ValueKind == JsonValueKind.Object && placed.TryGetProperty("total", out var total) && total.ValueKind == JsonValueKind.Number)
        {
            Total ??= total.GetDecimal();
        }

        return true;
    }

    /// <summary>
    /// What a rebuild swap leaves for one order: the <paramref name="rebuilt"/> view, plus whatever
    /// the <paramref name="live"/> view applied from events the rebuild never read (they arrived after it
    /// read the feeds), so a swap while events flow loses none of them. Null: the order goes.
    /// </summary>
    public static OrderHistoryView? Swap(OrderHistoryView? live, OrderHistoryView? rebuilt, IReadOnlySet<string> replayed)
    {
        ArgumentNullException.ThrowIfNull(replayed);
        var arrivedSince = live?.Applied.Where(e => !replayed.Contains(e.MessageId)).ToList() ?? [];
        if (arrivedSince.Count == 0)
        {
            return rebuilt?.Copy();
        }

        var result = rebuilt?.Copy() ?? new OrderHistoryView(live!.OrderId);
        foreach (var e in arrivedSince.Where(e => !result.HasApplied(e.MessageId)))
        {
            result.Insert(e);
        }

        result.CustomerId ??= live!.CustomerId;
        if (arrivedSince.Any(e => e.Type == "OrderPlaced"))
        {
            result.Total ??= live!.Total;
        }

        return result;
    }

    /// <summary>The same orders holding the same applied events (what a rebuild compares).</summary>
    public static bool SameModel(IEnumerable<OrderHistoryView> left, IEnumerable<OrderHistoryView> right) =>
        Canonical(left) == Canonical(right);

    public bool SameAs(OrderHistoryView other) => SameModel([this], [other]);

    public OrderHistoryView Copy() => new(OrderId, CustomerId, Total, _applied);

    private static string Canonical(IEnumerable<OrderHistoryView> views) =>
        JsonSerializer.Serialize(views.OrderBy(v => v.OrderId, StringComparer.Ordinal), StoredJson.Options);

    private void Insert(HistoryEvent e)
    {
        var at = _applied.BinarySearch(e, Chronologically);
        _applied.Insert(at < 0 ? ~at : at, e);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{OrderId} ({CustomerId}): {Status}, {_applied.Count} events");
}
