using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Storage.Sqlite;

/// <summary>
/// <see cref="IOrderEventStore"/> on its own SQLite file (the local adapter): one transaction per
/// append holds the events, their outbox rows, any snapshot due and the saga start, so a crash
/// between "order placed" and "saga started" loses nothing: <see cref="PendingSagaStartsAsync"/> finds them again.
/// An append is held to the Cosmos adapter's bound (its events, envelopes and snapshots in at most
/// <see cref="StorageLimits.MaxDocumentBytes"/>), so an order that one host stores, the other does too.
/// </summary>
public sealed class SqliteOrderEventStore(SqliteDatabase db, TimeProvider clock, IOptions<OrderEventStoreOptions> options) : IOrderEventStore
{
    public static readonly string Schema = """
        CREATE TABLE IF NOT EXISTS streams (
            stream_id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            placed_at TEXT NOT NULL,
            seq INTEGER NOT NULL,
            version INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_streams_customer ON streams (customer_id, seq);
        CREATE TABLE IF NOT EXISTS events (
            stream_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            type TEXT NOT NULL,
            at TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (stream_id, version));
        CREATE TABLE IF NOT EXISTS snapshots (
            stream_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (stream_id, version));
        CREATE TABLE IF NOT EXISTS idempotency_keys (
            customer_id TEXT NOT NULL,
            key TEXT NOT NULL,
            order_id TEXT NOT NULL,
            PRIMARY KEY (customer_id, key));
        CREATE TABLE IF NOT EXISTS saga_starts (
            instance_id TEXT PRIMARY KEY,
            orchestrator TEXT NOT NULL,
            order_id TEXT NOT NULL,
            input TEXT NOT NULL,
            created_at TEXT NOT NULL);
        """.WithMessaging();

    private const string Kind = "Order";

    private readonly int _snapshotEvery = Math.Max(0, options.Value.SnapshotEvery);

    public async Task<IReadOnlyList<StoredEvent>> LoadAsync(string orderId, int? upToVersion = null)
    {
        if (!StorageLimits.IsValidId(orderId))
        {
            return [];
        }

        await using var c = db.Open();
        return await ReadEventsAsync(c, null, orderId, after: 0, upToVersion ?? int.MaxValue);
    }

    public async Task<Order?> LoadOrderAsync(string orderId, int? upToVersion = null)
    {
        if (!StorageLimits.IsValidId(orderId))
        {
            return null;
        }

        await using var c = db.Open();
        return await LoadOrderAsync(c, null, orderId, upToVersion ?? int.MaxValue);
    }

    public Task AppendAsync(string orderId, int expectedVersion, IReadOnlyList<IOrderEvent> events,
        (string CustomerId, string? IdempotencyKey)? newStream = null, SagaStart? sagaStart = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!StorageLimits.IsValidId(orderId))
        {
            throw new ArgumentException($"'{orderId}' cannot be an order id: 1-255 characters without / \\ ? #.", nameof(orderId));
        }

        return db.WriteAsync(async (c, t) =>
        {
            var now = clock.GetUtcNow();
            var bytes = 0;
            var current = await c.QuerySingleOrDefaultAsync<long?>("SELECT version FROM streams WHERE stream_id = @orderId", new { orderId }, t) ?? 0;
            if (current != expectedVersion)
            {
                throw new ConcurrencyException(orderId, expectedVersion);
            }

            if (newStream is { } stream)
            {
                if (stream.IdempotencyKey is { } key && await c.ExecuteAsync(
                        "INSERT INTO idempotency_keys (customer_id, key, order_id) VALUES (@CustomerId, @key, @orderId) ON CONFLICT DO NOTHING",
                        new { stream.CustomerId, key, orderId }, t) == 0)
                {
                    throw new DuplicateIdempotencyKeyException(key);
                }

                await c.ExecuteAsync(
                    "INSERT INTO streams (stream_id, customer_id, placed_at, seq, version) VALUES (@orderId, @CustomerId, @at, (SELECT COALESCE(MAX(seq), 0) + 1 FROM streams), 0)",
                    new { orderId, stream.CustomerId, at = now.ToString("O") }, t);
            }

            var customerId = await c.QuerySingleAsync<string>("SELECT customer_id FROM streams WHERE stream_id = @orderId", new { orderId }, t);

            // The state is needed only when this append reaches a snapshot point: then it is loaded
            // once (from the previous snapshot) and carried forward over the new events.
            var snapshotDue = _snapshotEvery > 0 && (expectedVersion + events.Count) / _snapshotEvery > expectedVersion / _snapshotEvery;
            var state = snapshotDue ? await LoadOrderAsync(c, t, orderId, expectedVersion) : null;
            var sinceState = new List<StoredEvent>();

            var version = expectedVersion;
            foreach (var e in events)
            {
                version++;
                var type = OrderEventJson.TypeName(e);
                var data = OrderEventJson.Serialize(e).GetRawText();
                await c.ExecuteAsync(
                    "INSERT INTO events (stream_id, version, type, at, data) VALUES (@orderId, @version, @type, @at, @data)",
                    new { orderId, version, type, at = now.ToString("O"), data }, t);

                // The integration event goes out through the outbox, in this same transaction.
                var envelope = OrderEventPublished.Envelope(orderId, customerId, version, e, now);
                await Outbox.AddAsync(c, t, envelope);
                bytes += Encoding.UTF8.GetByteCount(data) + Encoding.UTF8.GetByteCount(envelope.Serialize());

                if (snapshotDue)
                {
                    sinceState.Add(new StoredEvent(version, type, now, e));
                    if (version % _snapshotEvery == 0)
                    {
                        state = state is null ? Order.Rehydrate(orderId, sinceState)! : Order.FromSnapshot(state.ToSnapshot(), sinceState);
                        sinceState.Clear();
                        var snapshot = JsonSerializer.Serialize(state.ToSnapshot(), OrderEventJson.Options);
                        bytes += Encoding.UTF8.GetByteCount(snapshot);
                        await c.ExecuteAsync(
                            "INSERT INTO snapshots (stream_id, version, state) VALUES (@orderId, @version, @state)",
                            new { orderId, version, state = snapshot }, t);
                    }
                }
            }

            if (bytes > StorageLimits.MaxDocumentBytes)
            {
                throw new DocumentTooLargeException(Kind, orderId, bytes); // the transaction is not committed: nothing is written
            }

            if (await c.ExecuteAsync("UPDATE streams SET version = @version WHERE stream_id = @orderId AND version = @expectedVersion", new { orderId, version, expectedVersion }, t) != 1)
            {
                throw new ConcurrencyException(orderId, expectedVersion);
            }

            if (sagaStart is not null)
            {
                await c.ExecuteAsync(
                    "INSERT INTO saga_starts (instance_id, orchestrator, order_id, input, created_at) VALUES (@InstanceId, @Orchestrator, @OrderId, @InputJson, @at) ON CONFLICT DO NOTHING",
                    new { sagaStart.InstanceId, sagaStart.Orchestrator, sagaStart.OrderId, sagaStart.InputJson, at = now.ToString("O") }, t);
            }

            return version;
        });
    }

    public async Task<string?> FindByIdempotencyKeyAsync(string customerId, string key)
    {
        await using var c = db.Open();
        return await c.QuerySingleOrDefaultAsync<string>("SELECT order_id FROM idempotency_keys WHERE customer_id = @customerId AND key = @key", new { customerId, key });
    }

    /// <summary>The customer's order ids, newest first.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string customerId)
    {
        await using var c = db.Open();
        return (await c.QueryAsync<string>("SELECT stream_id FROM streams WHERE customer_id = @customerId ORDER BY seq DESC", new { customerId })).ToList();
    }

    /// <summary>Keyset on <c>seq</c> (unique, increasing with each new stream): the position is the last order's seq.</summary>
    public async Task<Page<string>> ListAsync(string customerId, int limit, string? after)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var before = after is null ? long.MaxValue : long.Parse(after, NumberStyles.None, CultureInfo.InvariantCulture);
        await using var c = db.Open();
        var rows = (await c.QueryAsync<(string Id, long Seq)>(
            "SELECT stream_id, seq FROM streams WHERE customer_id = @customerId AND seq < @before ORDER BY seq DESC LIMIT @take",
            new { customerId, before, take = limit + 1 })).ToList();
        return rows.Count > limit
            ? new Page<string>([.. rows.Take(limit).Select(r => r.Id)], rows[limit - 1].Seq.ToString(CultureInfo.InvariantCulture))
            : new Page<string>([.. rows.Select(r => r.Id)], null);
    }

    public async Task<IReadOnlyList<StoredEvent>> LoadRangeAsync(string orderId, int afterVersion, int upToVersion)
    {
        if (!StorageLimits.IsValidId(orderId) || upToVersion <= afterVersion)
        {
            return [];
        }

        await using var c = db.Open();
        return await ReadEventsAsync(c, null, orderId, afterVersion, upToVersion);
    }

    public async Task<IReadOnlyList<SagaStart>> PendingSagaStartsAsync()
    {
        await using var c = db.Open();
        return (await c.QueryAsync<SagaStartRow>("SELECT instance_id AS InstanceId, orchestrator AS Orchestrator, order_id AS OrderId, input AS InputJson FROM saga_starts ORDER BY created_at"))
            .Select(r => new SagaStart(r.InstanceId, r.Orchestrator, r.OrderId, r.InputJson)).ToList();
    }

    public async Task CompleteSagaStartAsync(string instanceId)
    {
        await using var c = db.Open();
        await c.ExecuteAsync("DELETE FROM saga_starts WHERE instance_id = @instanceId", new { instanceId });
    }

    public async Task<SagaStats> CountByStatusAsync()
    {
        await using var c = db.Open();
        var stats = await c.QuerySingleAsync<(long Pending, long Confirmed, long Cancelled)>(
            """
            SELECT COALESCE(SUM(NOT confirmed AND NOT cancelled), 0), COALESCE(SUM(confirmed AND NOT cancelled), 0), COALESCE(SUM(cancelled), 0)
            FROM (SELECT MAX(type = 'OrderConfirmed') AS confirmed, MAX(type = 'OrderCancelled') AS cancelled FROM events GROUP BY stream_id)
            """);
        return new SagaStats((int)stats.Pending, (int)stats.Confirmed, (int)stats.Cancelled);
    }

    /// <summary>The latest snapshot at or before <paramref name="upTo"/>, then only the events after it.</summary>
    private static async Task<Order?> LoadOrderAsync(SqliteConnection c, SqliteTransaction? t, string orderId, int upTo)
    {
        var state = await c.QuerySingleOrDefaultAsync<string>(
            "SELECT state FROM snapshots WHERE stream_id = @orderId AND version <= @upTo ORDER BY version DESC LIMIT 1",
            new { orderId, upTo }, t);
        var snapshot = state is null ? null : Read(orderId, () => JsonSerializer.Deserialize<OrderSnapshot>(state, OrderEventJson.Options) ?? throw new JsonException("null snapshot"));
        var tail = await ReadEventsAsync(c, t, orderId, after: snapshot?.Version ?? 0, upTo);
        return snapshot is null ? Order.Rehydrate(orderId, tail) : Order.FromSnapshot(snapshot, tail);
    }

    private static async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(SqliteConnection c, SqliteTransaction? t, string orderId, int after, int upTo)
    {
        var rows = await c.QueryAsync<EventRow>(
            "SELECT version AS Version, type AS Type, at AS At, data AS Data FROM events WHERE stream_id = @orderId AND version > @after AND version <= @upTo ORDER BY version",
            new { orderId, after, upTo }, t);
        return rows.Select(r => Read(orderId, () => new StoredEvent(
            (int)r.Version, r.Type, DateTimeOffset.Parse(r.At, CultureInfo.InvariantCulture), OrderEventJson.Deserialize(r.Type, r.Data)))).ToList();
    }

    /// <summary>A stored row that cannot be read back is a <see cref="CorruptDocumentException"/> naming the order.</summary>
    private static T Read<T>(string orderId, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new CorruptDocumentException(Kind, orderId, ex);
        }
    }

    private sealed class EventRow
    {
        public long Version { get; set; }
        public string Type { get; set; } = "";
        public string At { get; set; } = "";
        public string Data { get; set; } = "";
    }

    private sealed class SagaStartRow
    {
        public string InstanceId { get; set; } = "";
        public string Orchestrator { get; set; } = "";
        public string OrderId { get; set; } = "";
        public string InputJson { get; set; } = "";
    }
}
