using System.Globalization;
using Dapper;
using Serverless.BuildingBlocks.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.OrderHistory.Parking;
using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Storage.Sqlite;

/// <summary>A position in a source's feed, saved with the batch that reached it.</summary>
public sealed record FeedCheckpoint(string Consumer, long Position);

/// <summary>
/// <see cref="IOrderHistoryStore"/> on the service's SQLite file: a row per order (its derived status,
/// total and last update, for listing) and a row per applied event (the timeline). Each batch is one
/// transaction with the consumer inbox rows that make it idempotent and, when fed from a source's feed,
/// the feed checkpoint, so each change has exactly one effect. A batch that fails on a poison event is applied
/// again one event per transaction (<see cref="PoisonIsolation"/>); a parked event is a <c>history_parked</c> row and
/// marked handled in the inbox, so a redelivery skips it; the checkpoint then moves in a transaction of its own.
/// </summary>
public sealed class SqliteOrderHistoryStore(SqliteDatabase db, TimeProvider clock, ILogger<SqliteOrderHistoryStore>? logger = null, ApplyEvent? apply = null)
    : IOrderHistoryStore
{
    public const string Consumer = OrderHistoryModule.Name;

    private const string Kind = "order history";

    private readonly ApplyEvent _apply = PoisonIsolation.Guarded(apply);

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
        CREATE TABLE IF NOT EXISTS history_parked (
            message_id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            order_id TEXT NOT NULL,
            type TEXT NOT NULL,
            event TEXT NOT NULL,
            error TEXT NOT NULL,
            parked_at TEXT NOT NULL,
            attempts INTEGER NOT NULL);
        """;

    public Task<int> ApplyAsync(IReadOnlyList<IntegrationEvent> batch, CancellationToken cancellationToken = default) =>
        ApplyAsync(batch, null, cancellationToken);

    /// <summary>Applies <paramref name="batch"/> and moves <paramref name="checkpoint"/> (if any) in one transaction; past a poison event, see the class.</summary>
    public async Task<int> ApplyAsync(IReadOnlyList<IntegrationEvent> batch, FeedCheckpoint? checkpoint, CancellationToken cancellationToken = default)
    {
        RefuseUnstorable(batch);
        try
        {
            return await db.WriteAsync(async (c, t) =>
            {
                var applied = 0;
                foreach (var e in batch)
                {
                    applied += await ApplyOneAsync(c, t, e);
                }

                await SaveCheckpointAsync(c, t, checkpoint);
                return applied;
            });
        }
        catch (Exception ex) when (PoisonIsolation.MayBePoison(ex))
        {
            var applied = await PoisonIsolation.ApplyOneByOneAsync(
                batch, (e, _) => db.WriteAsync((c, t) => ApplyOneAsync(c, t, e)), (parked, _) => ParkAsync(parked), null,
                logger ?? (ILogger)NullLogger.Instance, cancellationToken);
            await db.WriteAsync(async (c, t) =>
            {
                await SaveCheckpointAsync(c, t, checkpoint);
                return 0;
            });
            return applied;
        }
    }

    public async Task<IReadOnlyList<ParkedEvent>> ParkedAsync(CancellationToken cancellationToken = default)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<ParkedRow>(
            """
            SELECT message_id AS MessageId, source AS Source, order_id AS OrderId, type AS Type, event AS Event, error AS Error,
                parked_at AS ParkedAt, attempts AS Attempts
            FROM history_parked ORDER BY parked_at, message_id
            """);
        return [.. rows.Select(r => new ParkedEvent(r.MessageId, r.Source, r.OrderId, r.Type, r.Event, r.Error, DateTimeOffset.Parse(r.ParkedAt, CultureInfo.InvariantCulture), (int)r.Attempts))];
    }

    private async Task<int> ApplyOneAsync(SqliteConnection c, SqliteTransaction t, IntegrationEvent e)
    {
        using var span = HistorySources.ProjectionSpan(e);
        if (!await Outbox.TryMarkHandledAsync(c, t, Consumer, e.MessageId))
        {
            return 0;
        }

        var view = await LoadAsync(c, t, e.Subject) ?? new OrderHistoryView(e.Subject);
        if (!_apply(view, e))
        {
            return 0;
        }

        await SaveAsync(c, t, view, onlyNew: e.MessageId);
        return 1;
    }

    /// <summary>Records the event as parked and handled, in one transaction; false when it was parked already.</summary>
    private Task<bool> ParkAsync(ParkedEvent parked) =>
        db.WriteAsync(async (c, t) =>
        {
            await Outbox.TryMarkHandledAsync(c, t, Consumer, parked.MessageId);
            return await c.ExecuteAsync(
                """
                INSERT INTO history_parked (message_id, source, order_id, type, event, error, parked_at, attempts)
                VALUES (@MessageId, @Source, @OrderId, @Type, @Event, @Error, @parkedAt, @Attempts) ON CONFLICT DO NOTHING
                """,
                new { parked.MessageId, parked.Source, parked.OrderId, parked.Type, parked.Event, parked.Error, parkedAt = Format(parked.ParkedAt), parked.Attempts }, t) > 0;
        });

    private async Task SaveCheckpointAsync(SqliteConnection c, SqliteTransaction t, FeedCheckpoint? checkpoint)
    {
        if (checkpoint is not null)
        {
            await Outbox.SaveCheckpointAsync(c, t, checkpoint.Consumer, checkpoint.Position, clock.GetUtcNow());
        }
    }

    /// <summary>Where <paramref name="consumer"/> has read a feed up to (0: nothing yet).</summary>
    public async Task<long> CheckpointAsync(string consumer)
    {
        await using var c = db.Open();
        return await c.QuerySingleOrDefaultAsync<long?>("SELECT position FROM feed_checkpoints WHERE consumer = @consumer", new { consumer }) ?? 0;
    }

    public Task<IReadOnlyList<OrderHistoryView>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default) =>
        ReadAsync(customerId);

    /// <summary>
    /// Keyset in SQL on (updated_at DESC, order_id ASC): <c>updated_at</c> is UTC round-trip text, whose order is
    /// the time order; then only the page's timelines are read. The page is sorted again with <see cref="OrderHistoryView.NewestFirst"/>.
    /// </summary>
    public async Task<Page<OrderHistoryView>> ForCustomerAsync(string customerId, int limit, string? after, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        string? afterAt = null, afterId = null;
        if (after is not null)
        {
            if (!Paging.TryParsePosition(after, out var at, out var id))
            {
                throw new FormatException($"'{after}' is not an order history position.");
            }

            (afterAt, afterId) = (Format(at), id);
        }

        await using var c = db.Open();
        var orders = (await c.QueryAsync<OrderRow>(
            """
            SELECT order_id AS OrderId, customer_id AS CustomerId, total AS Total FROM history_orders
            WHERE customer_id = @customerId AND (@afterAt IS NULL OR updated_at < @afterAt OR (updated_at = @afterAt AND order_id > @afterId))
            ORDER BY updated_at DESC, order_id ASC LIMIT @take
            """, new { customerId, afterAt, afterId, take = limit + 1 })).ToList();
        var ids = orders.Select(o => o.OrderId).ToList();
        var timeline = (await c.QueryAsync<TimelineRow>(
            "SELECT order_id AS OrderId, message_id AS MessageId, type AS Type, at AS At FROM history_timeline WHERE order_id IN @ids", new { ids }))
            .ToLookup(r => r.OrderId);
        var views = orders.Select(o => ToView(o, timeline[o.OrderId])).ToList();
        views.Sort(OrderHistoryView.NewestFirst);
        return Paging.Slice(views, limit, null, v => Paging.Position(v.UpdatedAt, v.OrderId));
    }

    public Task<IReadOnlyList<OrderHistoryView>> ReadAllAsync(CancellationToken cancellationToken = default) => ReadAsync(null);

    public Task ReplaceWithAsync(IReadOnlyCollection<OrderHistoryView> rebuilt, IReadOnlySet<string> replayed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rebuilt);
        ArgumentNullException.ThrowIfNull(replayed);
        var byId = rebuilt.ToDictionary(v => v.OrderId, StringComparer.Ordinal);
        return db.WriteAsync(async (c, t) =>
        {
            // In one write transaction: no live apply can slip in between reading a live view and replacing it.
            var live = await c.QueryAsync<string>("SELECT order_id FROM history_orders", transaction: t);
            foreach (var orderId in live.Union(byId.Keys, StringComparer.Ordinal).ToList())
            {
                var current = await LoadAsync(c, t, orderId);
                var swapped = OrderHistoryView.Swap(current, byId.GetValueOrDefault(orderId), replayed);
                if (current is not null && swapped is not null && current.SameAs(swapped))
                {
                    continue;
                }

                await c.ExecuteAsync("DELETE FROM history_timeline WHERE order_id = @orderId; DELETE FROM history_orders WHERE order_id = @orderId", new { orderId }, t);
                if (swapped is not null)
                {
                    await SaveAsync(c, t, swapped, onlyNew: null);
                }
            }

            // Events the rebuild read are handled: when the live feed brings them, they change nothing.
            foreach (var messageId in replayed)
            {
                await Outbox.TryMarkHandledAsync(c, t, Consumer, messageId);
            }

            // Parked events the model now holds are repaired.
            await c.ExecuteAsync(
                """
                DELETE FROM history_parked WHERE EXISTS (
                    SELECT 1 FROM history_timeline h WHERE h.order_id = history_parked.order_id AND h.message_id = history_parked.message_id)
                """, transaction: t);

            return 0;
        });
    }

    private static void RefuseUnstorable(IReadOnlyList<IntegrationEvent> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.FirstOrDefault(e => !StorageLimits.IsValidId(e.Subject)) is { } bad)
        {
            throw new ArgumentException($"Event {bad.MessageId} names order '{bad.Subject}', which cannot be an order id: 1-255 characters without / \\ ? #.", nameof(batch));
        }
    }

    private async Task<IReadOnlyList<OrderHistoryView>> ReadAsync(string? customerId)
    {
        await using var c = db.Open();
        var orders = await c.QueryAsync<OrderRow>(
            "SELECT order_id AS OrderId, customer_id AS CustomerId, total AS Total FROM history_orders WHERE @customerId IS NULL OR customer_id = @customerId",
            new { customerId });
        var timeline = (await c.QueryAsync<TimelineRow>(
                """
                SELECT t.order_id AS OrderId, t.message_id AS MessageId, t.type AS Type, t.at AS At
                FROM history_timeline t JOIN history_orders o ON o.order_id = t.order_id
                WHERE @customerId IS NULL OR o.customer_id = @customerId
                """,
                new { customerId }))
            .ToLookup(r => r.OrderId);
        var views = orders.Select(o => ToView(o, timeline[o.OrderId])).ToList();
        views.Sort(OrderHistoryView.NewestFirst);
        return views;
    }

    private static async Task<OrderHistoryView?> LoadAsync(SqliteConnection c, SqliteTransaction t, string orderId)
    {
        var order = await c.QuerySingleOrDefaultAsync<OrderRow>(
            "SELECT order_id AS OrderId, customer_id AS CustomerId, total AS Total FROM history_orders WHERE order_id = @orderId", new { orderId }, t);
        if (order is null)
        {
            return null;
        }

        var timeline = await c.QueryAsync<TimelineRow>(
            "SELECT order_id AS OrderId, message_id AS MessageId, type AS Type, at AS At FROM history_timeline WHERE order_id = @orderId", new { orderId }, t);
        return ToView(order, timeline);
    }

    private static OrderHistoryView ToView(OrderRow order, IEnumerable<TimelineRow> timeline)
    {
        try
        {
            return new OrderHistoryView(
                order.OrderId, order.CustomerId, order.Total is null ? null : decimal.Parse(order.Total, NumberStyles.Number, CultureInfo.InvariantCulture),
                [.. timeline.Select(r => new HistoryEvent(r.MessageId, r.Type, DateTimeOffset.Parse(r.At, CultureInfo.InvariantCulture)))]);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            throw new CorruptDocumentException(Kind, order.OrderId, ex);
        }
    }

    /// <summary>Writes the order's row and its timeline: all of it, or only the event <paramref name="onlyNew"/> just applied.</summary>
    private static async Task SaveAsync(SqliteConnection c, SqliteTransaction t, OrderHistoryView view, string? onlyNew)
    {
        await c.ExecuteAsync(
            """
            INSERT INTO history_orders (order_id, customer_id, status, total, updated_at) VALUES (@OrderId, @CustomerId, @Status, @total, @updatedAt)
            ON CONFLICT (order_id) DO UPDATE SET
                customer_id = excluded.customer_id, status = excluded.status, total = excluded.total, updated_at = excluded.updated_at
            """,
            new { view.OrderId, view.CustomerId, view.Status, total = view.Total?.ToString(CultureInfo.InvariantCulture), updatedAt = Format(view.UpdatedAt) }, t);
        foreach (var e in view.Applied.Where(e => onlyNew is null || e.MessageId == onlyNew))
        {
            await c.ExecuteAsync(
                "INSERT INTO history_timeline (order_id, message_id, type, at) VALUES (@orderId, @MessageId, @Type, @at) ON CONFLICT DO NOTHING",
                new { orderId = view.OrderId, e.MessageId, e.Type, at = Format(e.At) }, t);
        }
    }

    private static string Format(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private sealed record OrderRow(string OrderId, string? CustomerId, string? Total);

    private sealed record ParkedRow(string MessageId, string Source, string OrderId, string Type, string Event, string Error, string ParkedAt, long Attempts);

    private sealed record TimelineRow(string OrderId, string MessageId, string Type, string At);
}
