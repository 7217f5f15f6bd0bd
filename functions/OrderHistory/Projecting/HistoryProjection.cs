using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.OrderHistory.Projecting;

public sealed record TimelineEntry(string Type, DateTimeOffset At);

public sealed record OrderHistoryView(string OrderId, string Status, decimal? Total, DateTimeOffset UpdatedAt, IReadOnlyList<TimelineEntry> Timeline);

/// <summary>
/// The order-history read model: one row per order and its timeline, built by applying events in
/// whatever order they arrive. Every derived value (status, total, updatedAt) is recomputed from
/// what has been applied, so the same events in any order give the same model, and a rebuild from
/// the sources' feeds equals the live model.
/// </summary>
public sealed class HistoryProjection(SqliteDatabase db)
{
    public const string Consumer = OrderHistoryModule.Name;

    /// <summary>Where events come from: topic = the producing service.</summary>
    public static readonly string[] Sources = ["orders", "payments", "shipping"];

    public static readonly string Schema = """
        CREATE TABLE IF NOT EXISTS history_orders (
            order_id TEXT PRIMARY KEY,
            customer_id TEXT NULL,
            status TEXT NOT NULL,
            total TEXT NULL,
            updated_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_history_customer ON history_orders (customer_id, updated_at);
        CREATE TABLE IF NOT EXISTS history_timeline (
            order_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            type TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (order_id, message_id));
        """.WithMessaging();

    /// <summary>Orders' own copies of the participants' facts: the participants' events tell those.</summary>
    private static readonly HashSet<string> TakenFromParticipants = ["PaymentCharged", "PaymentRefunded", "ShipmentBooked", "ShipmentCancelled"];

    /// <summary>Applies one event at most once (the inbox record is in the same transaction).</summary>
    public static async Task<bool> ApplyAsync(SqliteConnection c, SqliteTransaction t, IntegrationEvent e)
    {
        if (e.Topic == "orders" && TakenFromParticipants.Contains(e.Type))
        {
            return false;
        }

        if (!await Outbox.TryMarkHandledAsync(c, t, Consumer, e.MessageId))
        {
            return false;
        }

        var orderId = e.Subject;
        await c.ExecuteAsync(
            "INSERT INTO history_timeline (order_id, message_id, type, at) VALUES (@orderId, @MessageId, @Type, @at) ON CONFLICT DO NOTHING",
            new { orderId, e.MessageId, e.Type, at = e.At.ToUniversalTime().ToString("O") }, t);

        string? customerId = e.Data.TryGetProperty("customerId", out var cid) ? cid.GetString() : null;
        string? total = null;
        if (e.Type == "OrderPlaced" && e.Data.TryGetProperty("event", out var placed) && placed.TryGetProperty("total", out var tot))
        {
            total = tot.GetDecimal().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var types = (await c.QueryAsync<string>("SELECT type FROM history_timeline WHERE order_id = @orderId", new { orderId }, t)).ToHashSet();
        var status = types.Contains("OrderCancelled") ? "Cancelled" : types.Contains("OrderConfirmed") ? "Confirmed" : "Pending";
        var updatedAt = await c.QuerySingleAsync<string>("SELECT MAX(at) FROM history_timeline WHERE order_id = @orderId", new { orderId }, t);
        await c.ExecuteAsync(
            """
            INSERT INTO history_orders (order_id, customer_id, status, total, updated_at) VALUES (@orderId, @customerId, @status, @total, @updatedAt)
            ON CONFLICT (order_id) DO UPDATE SET
                customer_id = COALESCE(history_orders.customer_id, excluded.customer_id),
                total = COALESCE(history_orders.total, excluded.total),
                status = excluded.status,
                updated_at = excluded.updated_at
            """,
            new { orderId, customerId, status, total, updatedAt }, t);
        return true;
    }

    public async Task<IReadOnlyList<OrderHistoryView>> ForCustomerAsync(string customerId) => await ReadAsync(db, customerId);

    /// <summary>The whole model (or one customer's), ordered: newest update first, timeline oldest first.</summary>
    public static async Task<IReadOnlyList<OrderHistoryView>> ReadAsync(SqliteDatabase database, string? customerId)
    {
        await using var c = database.Open();
        var orders = await c.QueryAsync<(string OrderId, string Status, string? Total, string UpdatedAt)>(
            "SELECT order_id, status, total, updated_at FROM history_orders WHERE (@customerId IS NULL AND customer_id IS NOT NULL) OR customer_id = @customerId ORDER BY updated_at DESC, order_id",
            new { customerId });
        var timeline = (await c.QueryAsync<(string OrderId, string Type, string At)>(
                "SELECT t.order_id, t.type, t.at FROM history_timeline t JOIN history_orders o ON o.order_id = t.order_id WHERE (@customerId IS NULL AND o.customer_id IS NOT NULL) OR o.customer_id = @customerId ORDER BY t.at, t.type",
                new { customerId }))
            .ToLookup(r => r.OrderId, r => new TimelineEntry(r.Type, Parse(r.At)));
        return orders.Select(o => new OrderHistoryView(
            o.OrderId, o.Status, o.Total is null ? null : decimal.Parse(o.Total, System.Globalization.CultureInfo.InvariantCulture),
            Parse(o.UpdatedAt), timeline[o.OrderId].ToList())).ToList();
    }

    private static DateTimeOffset Parse(string value) => DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
}
