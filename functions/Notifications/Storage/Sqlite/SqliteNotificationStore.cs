using System.Globalization;
using Dapper;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.Notifications.Sending;

namespace Serverless.Notifications.Storage.Sqlite;

/// <summary><see cref="INotificationStore"/> on the service's SQLite file: a row per notification, unique per (order, type), with the consumer inbox row in the same transaction.</summary>
public sealed class SqliteNotificationStore(SqliteDatabase db) : INotificationStore
{
    private const string Kind = "notification";

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
        """;

    public Task<bool> TryAddAsync(string messageId, string customerId, Notification notification, CancellationToken cancellationToken = default)
    {
        Notification.RefuseUnstorable(messageId, customerId, notification);
        return db.WriteAsync(async (c, t) =>
            await Outbox.TryMarkHandledAsync(c, t, NotificationsModule.Name, messageId)
            && await c.ExecuteAsync(
                "INSERT INTO notifications (id, customer_id, order_id, type, at) VALUES (@Id, @customerId, @OrderId, @Type, @at) ON CONFLICT DO NOTHING",
                new { notification.Id, customerId, notification.OrderId, notification.Type, at = notification.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) }, t) == 1);
    }

    public async Task<IReadOnlyList<Notification>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<(string Id, string Type, string OrderId, string At)>(
            "SELECT id, type, order_id, at FROM notifications WHERE customer_id = @customerId", new { customerId });
        var notifications = rows.Select(r =>
        {
            try
            {
                return new Notification(r.Id, r.Type, r.OrderId, DateTimeOffset.Parse(r.At, CultureInfo.InvariantCulture));
            }
            catch (FormatException ex)
            {
                throw new CorruptDocumentException(Kind, r.Id, ex);
            }
        }).ToList();
        notifications.Sort(Notification.NewestFirst);
        return notifications;
    }
}
