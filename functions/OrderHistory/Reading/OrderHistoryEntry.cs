using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Reading;

/// <summary>One order as <c>GET /api/order-history</c> shows it.</summary>
public sealed record OrderHistoryEntry(string OrderId, string Status, decimal? Total, DateTimeOffset UpdatedAt, IReadOnlyList<TimelineEntry> Timeline)
{
    public static OrderHistoryEntry From(OrderHistoryView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new(view.OrderId, view.Status, view.Total, view.UpdatedAt, view.Timeline);
    }
}
