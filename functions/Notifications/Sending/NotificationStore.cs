using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Notifications.Sending;

public sealed record Notification(string Id, string Type, string OrderId, DateTimeOffset At);

/// <summary>What a customer is told, and when. Locally the "sent" e-mails land in the same store.</summary>
public sealed class NotificationStore(SqliteDatabase db)
{
    public static readonly string Schema = """
        CREATE TABLE IF NOT EXISTS notifications (
            id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            order_id TEXT NOT NULL,
            type TEXT NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (order_id, type));
        CREATE INDEX IF NOT EXISTS ix_notifications_customer ON notifications (customer_id, at);
        CREATE TABLE IF NOT EXISTS sent_emails (
            notification_id TEXT PRIMARY KEY,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            sent_at TEXT NOT NULL);
        """.WithMessaging();

    public SqliteDatabase Database => db;

    /// <summary>Records the notification unless this message or this (order, type) was handled before.</summary>
    public static async Task<bool> TryAddAsync(SqliteConnection c, SqliteTransaction t, string messageId, string customerId, Notification n)
    {
        if (!await Outbox.TryMarkHandledAsync(c, t, NotificationsModule.Name, messageId))
        {
            return false;
        }

        return await c.ExecuteAsync(
            "INSERT INTO notifications (id, customer_id, order_id, type, at) VALUES (@Id, @customerId, @OrderId, @Type, @at) ON CONFLICT DO NOTHING",
            new { n.Id, customerId, n.OrderId, n.Type, at = n.At.ToUniversalTime().ToString("O") }, t) == 1;
    }

    public async Task<IReadOnlyList<Notification>> ForCustomerAsync(string customerId)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<(string Id, string Type, string OrderId, string At)>(
            "SELECT id, type, order_id, at FROM notifications WHERE customer_id = @customerId ORDER BY at DESC, id", new { customerId });
        return rows.Select(r => new Notification(r.Id, r.Type, r.OrderId, DateTimeOffset.Parse(r.At, System.Globalization.CultureInfo.InvariantCulture))).ToList();
    }
}
