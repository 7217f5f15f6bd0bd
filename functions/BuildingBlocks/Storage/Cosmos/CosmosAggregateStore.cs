using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.BuildingBlocks.Storage.Cosmos;

/// <summary>
/// <see cref="IAggregateStore{T}"/> on a Cosmos DB container partitioned by the aggregate id. Every
/// save creates one new, never-changed document in the aggregate's partition — id = the new version
/// (<c>"0000000007"</c>) — holding the whole state, the operation id and the events the change
/// raised. So a save is one atomic single-item write (no transactional batch needed), a create
/// that finds its version taken is a 409, i.e. someone saved first (optimistic concurrency), and
/// because no document is ever replaced the change feed (latest-version mode) carries every save's
/// events out exactly as written: it is the outbox.
/// <para>
/// Load = the partition's highest version (<c>TOP 1 ... ORDER BY c.version DESC</c>, a single-partition
/// query on the default range index). Cost: about 1 RU per point of state size per save, and old
/// versions stay (set a TTL on the container to prune history you do not need; the latest version
/// must then be re-saved within the TTL).
/// </para>
/// </summary>
public sealed class CosmosAggregateStore<T>(Container container, string partitionKeyName, TimeProvider clock, string kind) : IAggregateStore<T>
    where T : class
{
    public string Kind => kind;

    public Container Container => container;

    public async Task<Loaded<T>> LoadAsync(string id, string? operationId = null, CancellationToken cancellationToken = default)
    {
        if (!StorageLimits.IsValidId(id))
        {
            // Not a key any document can have: nothing is stored under it.
            return new Loaded<T>(id, null, 0);
        }

        var latest = await CosmosQueries.FirstOrDefaultAsync(container, new QueryDefinition(
                $"SELECT TOP 1 c.version, c.state FROM c WHERE c.{partitionKeyName} = @id ORDER BY c.version DESC").WithParameter("@id", id),
            new PartitionKey(id), cancellationToken);
        var applied = operationId is not null && await CosmosQueries.FirstOrDefaultAsync(container, new QueryDefinition(
                $"SELECT TOP 1 c.id FROM c WHERE c.{partitionKeyName} = @id AND c.operationId = @op").WithParameter("@id", id).WithParameter("@op", operationId),
            new PartitionKey(id), cancellationToken) is not null;
        if (latest is not { } doc)
        {
            return new Loaded<T>(id, null, 0, applied);
        }

        try
        {
            var version = doc.GetProperty("version").GetInt64();
            var state = doc.GetProperty("state").Deserialize<T>(StoredJson.Options) ?? throw new JsonException("null state");
            return new Loaded<T>(id, state, version, applied);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or NotSupportedException)
        {
            throw new CorruptDocumentException(kind, id, ex);
        }
    }

    public async Task<long> SaveAsync(Loaded<T> loaded, T state, IReadOnlyList<IntegrationEvent> events, string? operationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        if (!StorageLimits.IsValidId(loaded.Id))
        {
            throw new ArgumentException($"'{loaded.Id}' cannot be a {kind} id: 1-255 characters without / \\ ? #.", nameof(loaded));
        }

        var version = loaded.Version + 1;
        var document = new JsonObject
        {
            ["id"] = version.ToString("D10", CultureInfo.InvariantCulture),
            [partitionKeyName] = loaded.Id,
            ["kind"] = kind,
            ["version"] = version,
            ["at"] = clock.GetUtcNow().ToString("O"),
            ["operationId"] = operationId,
            ["state"] = JsonSerializer.SerializeToNode(state, StoredJson.Options),
            ["events"] = JsonSerializer.SerializeToNode(events, IntegrationEvent.Json),
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document);
        if (bytes.Length > StorageLimits.MaxDocumentBytes)
        {
            throw new DocumentTooLargeException(kind, loaded.Id, bytes.Length);
        }

        using var stream = new MemoryStream(bytes);
        using var response = await container.CreateItemStreamAsync(stream, new PartitionKey(loaded.Id), cancellationToken: cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.Created or HttpStatusCode.OK => version,
            HttpStatusCode.Conflict => throw new ConcurrencyConflictException(kind, loaded.Id, loaded.Version),
            HttpStatusCode.RequestEntityTooLarge => throw new DocumentTooLargeException(kind, loaded.Id, bytes.Length),
            _ => throw new CosmosStorageException(kind, loaded.Id, response.StatusCode, response.ErrorMessage),
        };
    }

    /// <summary>
    /// A cross-partition read of every version of this kind, reduced to the latest per id in memory: fine for
    /// a catalogue of some thousand items; a bigger list wants a read model (as order history has) instead.
    /// </summary>
    public async Task<IReadOnlyList<Loaded<T>>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var latest = new Dictionary<string, (long Version, JsonElement State)>(StringComparer.Ordinal);
        var query = new QueryDefinition($"SELECT c.{partitionKeyName} AS id, c.version, c.state FROM c WHERE c.kind = @kind").WithParameter("@kind", kind);
        await foreach (var doc in CosmosQueries.QueryAsync(container, query, partitionKey: null, cancellationToken))
        {
            var id = doc.GetProperty("id").GetString()!;
            var version = doc.GetProperty("version").GetInt64();
            if ((afterId is null || string.CompareOrdinal(id, afterId) > 0) && (!latest.TryGetValue(id, out var seen) || seen.Version < version))
            {
                latest[id] = (version, doc.GetProperty("state"));
            }
        }

        return [.. latest.OrderBy(l => l.Key, StringComparer.Ordinal).Take(limit).Select(l => new Loaded<T>(l.Key, Read(l.Key, l.Value.State), l.Value.Version))];
    }

    private T Read(string id, JsonElement state)
    {
        try
        {
            return state.Deserialize<T>(StoredJson.Options) ?? throw new JsonException("null state");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            throw new CorruptDocumentException(kind, id, ex);
        }
    }
}

/// <summary>A Cosmos answer the store has no meaning for (after the SDK's own retries, e.g. for 429).</summary>
public sealed class CosmosStorageException(string kind, string id, HttpStatusCode status, string? message)
    : Exception($"Cosmos DB answered {(int)status} ({status}) for {kind} '{id}': {message}")
{
    public HttpStatusCode Status { get; } = status;
}
