using System.Globalization;
using Dapper;
using Serverless.BuildingBlocks.Http;
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
        var notifications = Read(await c.QueryAsync<(string Id, string Type, string OrderId, string At)>(
            "SELECT id, type, order_id, at FROM notifications WHERE customer_id = @customerId", new { customerId }));
        notifications.Sort(Notification.NewestFirst);
        return notifications;
    }

    /// <summary>
    /// Keyset in SQL on (at DESC, id ASC): <c>at</c> is stored as UTC round-trip text, whose order is the
    /// time order, and ids compare byte-wise as <see cref="string.CompareOrdinal(string, string)"/> does for
    /// the ASCII ids notifications have. The page is sorted again with <see cref="Notification.NewestFirst"/>.
    /// </summary>
    public async Task<Page<Notification>> ForCustomerAsync(string customerId, int limit, string? after, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        string? afterAt = null, afterId = null;
        if (after is not null)
        {
            if (!Paging.TryParsePosition(after, out var at, out var id))
            {
                throw new FormatException($"'{after}' is not a notification list position.");
            }

            (afterAt, afterId) = (at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture), id);
        }

        await using var c = db.Open();
        var rows = await c.QueryAsync<(string Id, string Type, string OrderId, string At)>(
            """
            SELECT id, type, order_id, at FROM notifications
            WHERE customer_id = @customerId AND (@afterAt IS NULL OR at < @afterAt OR (at = @afterAt AND id > @afterId))
            ORDER BY at DESC, id ASC LIMIT @take
            """, new { customerId, afterAt, afterId, take = limit + 1 });
        var notifications = Read(rows);
        notifications.Sort(Notification.NewestFirst);
        return Paging.Slice(notifications, limit, null, n => Paging.Position(n.At, n.Id));
    }

    private static List<Notification> Read(IEnumerable<(string Id, string Type, string OrderId, string At)> rows) =>
        rows.Select(r =>
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
}
