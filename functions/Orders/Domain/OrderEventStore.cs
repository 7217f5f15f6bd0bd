using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Orders.Domain;

/// <summary>What other services learn of an order's event: the event itself, its order, customer and version.</summary>
public sealed record OrderEventPublished(string OrderId, string CustomerId, int Version, object Event);

public sealed class ConcurrencyException(string orderId, int expectedVersion)
    : Exception($"Order {orderId} is no longer at version {expectedVersion}.");

public sealed class DuplicateIdempotencyKeyException(string key) : Exception($"Idempotency key '{key}' is already used.");

/// <summary>A saga to start, recorded in the same transaction as the events that call for it.</summary>
public sealed record SagaStart(string InstanceId, string Orchestrator, string OrderId, string InputJson);

/// <summary>
/// Orders' event store on its own SQLite file: one append-only stream per order with optimistic
/// concurrency (expected version); a conflict is thrown to the caller, never merged. Saga starts are
/// written in the same transaction (a small outbox) so a crash between "order placed" and "saga
/// started" loses nothing: <see cref="PendingSagaStartsAsync"/> finds them again.
/// </summary>
public sealed class OrderEventStore(SqliteDatabase db, TimeProvider clock)
{
    public const string Topic = "orders";

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

    private static readonly Dictionary<string, Type> EventTypes = typeof(IOrderEvent).Assembly.GetTypes()
        .Where(t => t.IsClass && typeof(IOrderEvent).IsAssignableFrom(t))
        .ToDictionary(t => t.Name, StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<StoredEvent>> LoadAsync(string orderId, int? upToVersion = null)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<EventRow>(
            "SELECT version AS Version, type AS Type, at AS At, data AS Data FROM events WHERE stream_id = @orderId AND version <= @upTo ORDER BY version",
            new { orderId, upTo = upToVersion ?? int.MaxValue });
        return rows.Select(r => new StoredEvent((int)r.Version, r.Type, DateTimeOffset.Parse(r.At, System.Globalization.CultureInfo.InvariantCulture), Deserialize(r.Type, r.Data))).ToList();
    }

    public async Task<Order?> LoadOrderAsync(string orderId, int? upToVersion = null) =>
        Order.Rehydrate(orderId, await LoadAsync(orderId, upToVersion));

    /// <summary>Appends events at <paramref name="expectedVersion"/> (0 for a new stream) in one transaction.</summary>
    public Task AppendAsync(string orderId, int expectedVersion, IReadOnlyList<IOrderEvent> events,
        (string CustomerId, string? IdempotencyKey)? newStream = null, SagaStart? sagaStart = null) =>
        db.WriteAsync(async (c, t) =>
        {
            var now = clock.GetUtcNow();
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
            var version = expectedVersion;
            foreach (var e in events)
            {
                version++;
                var type = e.GetType().Name;
                await c.ExecuteAsync(
                    "INSERT INTO events (stream_id, version, type, at, data) VALUES (@orderId, @version, @type, @at, @data)",
                    new { orderId, version, type, at = now.ToString("O"), data = JsonSerializer.Serialize(e, e.GetType(), Json) }, t);

                // The integration event goes out through the outbox, in this same transaction.
                await Outbox.AddAsync(c, t, IntegrationEvent.Create(Topic, type, orderId,
                    new OrderEventPublished(orderId, customerId, version, e), now, messageId: $"{orderId}:{version}"));
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

    /// <summary>
    /// Appends <paramref name="e"/> unless an event of its type is already in the stream, retrying on
    /// concurrency conflicts. <paramref name="skip"/> may refuse the append given the current state.
    /// </summary>
    public async Task<Order> AppendOnceAsync(string orderId, IOrderEvent e, Func<Order, bool>? skip = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var order = await LoadOrderAsync(orderId) ?? throw new InvalidOperationException($"Order {orderId} does not exist.");
            if (order.Has(e.GetType().Name) || (skip?.Invoke(order) ?? false))
            {
                return order;
            }

            try
            {
                await AppendAsync(orderId, order.Version, [e]);
                return (await LoadOrderAsync(orderId))!;
            }
            catch (ConcurrencyException) when (attempt < 20)
            {
                // Someone appended first: decide again on the new state.
            }
        }
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

    private static IOrderEvent Deserialize(string type, string data) =>
        EventTypes.TryGetValue(type, out var clr)
            ? (IOrderEvent)JsonSerializer.Deserialize(data, clr, Json)!
            : throw new InvalidOperationException($"Unknown event type '{type}'.");

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
