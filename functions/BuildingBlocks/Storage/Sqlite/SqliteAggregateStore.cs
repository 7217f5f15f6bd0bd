using System.Text.Json;
using Dapper;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.BuildingBlocks.Storage.Sqlite;

/// <summary>
/// <see cref="IAggregateStore{T}"/> on the service's own SQLite file: one row per aggregate (its
/// state as JSON and its version), the operation ids applied to it, and the outbox rows of the
/// events it raised, all written in one transaction.
/// </summary>
public static class SqliteAggregateStore
{
    /// <summary>Added to a service's schema (with <see cref="MessagingExtensions.WithMessaging"/> for the outbox).</summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS aggregates (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            state TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (kind, id));
        CREATE TABLE IF NOT EXISTS aggregate_operations (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            operation_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (kind, id, operation_id));
        """;
}

/// <inheritdoc cref="SqliteAggregateStore"/>
public sealed class SqliteAggregateStore<T>(SqliteDatabase db, TimeProvider clock, string kind) : IAggregateStore<T>
    where T : class
{

    public string Kind => kind;

    public async Task<Loaded<T>> LoadAsync(string id, string? operationId = null, CancellationToken cancellationToken = default)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<(long Version, string State)?>(
            "SELECT version, state FROM aggregates WHERE kind = @kind AND id = @id", new { kind, id });
        var applied = operationId is not null && await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM aggregate_operations WHERE kind = @kind AND id = @id AND operation_id = @operationId", new { kind, id, operationId }) > 0;
        return row is { } r ? new Loaded<T>(id, Deserialize(id, r.State), r.Version, applied) : new Loaded<T>(id, null, 0, applied);
    }

    public Task<long> SaveAsync(Loaded<T> loaded, T state, IReadOnlyList<IntegrationEvent> events, string? operationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        if (!StorageLimits.IsValidId(loaded.Id))
        {
            throw new ArgumentException($"'{loaded.Id}' cannot be a {kind} id: 1-255 characters without / \\ ? #.", nameof(loaded));
        }

        var json = JsonSerializer.Serialize(state, StoredJson.Options);
        var size = System.Text.Encoding.UTF8.GetByteCount(json) + events.Sum(e => System.Text.Encoding.UTF8.GetByteCount(e.Serialize()));
        if (size > StorageLimits.MaxDocumentBytes)
        {
            throw new DocumentTooLargeException(kind, loaded.Id, size);
        }

        return db.WriteAsync(async (c, t) =>
        {
            var version = loaded.Version + 1;
            var now = clock.GetUtcNow().ToString("O");
            var changed = loaded.Version == 0
                ? await c.ExecuteAsync(
                    "INSERT INTO aggregates (kind, id, version, state, updated_at) VALUES (@kind, @Id, 1, @json, @now) ON CONFLICT DO NOTHING",
                    new { kind, loaded.Id, json, now }, t)
                : await c.ExecuteAsync(
                    "UPDATE aggregates SET version = @version, state = @json, updated_at = @now WHERE kind = @kind AND id = @Id AND version = @Version",
                    new { version, json, now, kind, loaded.Id, loaded.Version }, t);
            if (changed != 1)
            {
                throw new ConcurrencyConflictException(kind, loaded.Id, loaded.Version);
            }

            if (operationId is not null)
            {
                await c.ExecuteAsync(
                    "INSERT INTO aggregate_operations (kind, id, operation_id, version) VALUES (@kind, @Id, @operationId, @version)",
                    new { kind, loaded.Id, operationId, version }, t);
            }

            foreach (var e in events)
            {
                await Outbox.AddAsync(c, t, e);
            }

            return version;
        });
    }

    public async Task<IReadOnlyList<Loaded<T>>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var c = db.Open();
        // TEXT compares with BINARY collation: ordinal, as the cursor expects.
        var rows = await c.QueryAsync<(string Id, long Version, string State)>(
            "SELECT id, version, state FROM aggregates WHERE kind = @kind AND (@afterId IS NULL OR id > @afterId) ORDER BY id LIMIT @limit",
            new { kind, afterId, limit });
        return [.. rows.Select(r => new Loaded<T>(r.Id, Deserialize(r.Id, r.State), r.Version))];
    }

    private T Deserialize(string id, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, StoredJson.Options) ?? throw new JsonException("null state");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new CorruptDocumentException(kind, id, ex);
        }
    }
}
