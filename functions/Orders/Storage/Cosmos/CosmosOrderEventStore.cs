using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Storage.Cosmos;

/// <summary>
/// <see cref="IOrderEventStore"/> on the Cosmos DB container <c>orders</c> (partition key <c>/streamId</c>
/// = the order id, so a stream is one logical partition). Every append creates ONE new commit document
/// in the stream's partition and never changes it (but for the saga flag, below):
/// <code>
/// { id: "0000000007" (the append's first version), streamId, kind: "commit", fromVersion: 7, toVersion: 9,
///   customerId, placedAt, at,
///   events:  [outbox envelopes, as the SQLite adapter writes them: the change feed relays them],
///   stored:  [{ version, type, at, data }]   (the domain events: the stream itself),
///   types:   [event types of this commit],  prior: [event types of the stream before it]  (for the stats),
///   snapshots?: [{ version, state }], snapshotFrom?: lowest snapshot version  (each multiple of N reached),
///   sagaStart?: { instanceId, orchestrator, orderId, inputJson }, sagaPending?: true }
/// </code>
/// <para>
/// Why this is enough for "no gap, no duplicate, no lost event" without a transactional batch: an
/// append first reads the stream's version (its latest commit's <c>toVersion</c>) and refuses if it is
/// not the expected one, then creates the commit with id = expected + 1. Streams are contiguous, so
/// whenever anything was appended after version v, the commit that follows v has id v + 1: every
/// writer that saw v (however stale its read) creates that same id, and Cosmos lets exactly one
/// create win; the others get 409 = <see cref="ConcurrencyException"/>. The pre-check stops a writer
/// whose expected version is ahead of the stream from leaving a gap (a read is never ahead of the
/// stream), and a single-item create is atomic, so an append's events, envelopes, snapshot and saga
/// start are all written or none.
/// </para>
/// <para>
/// Idempotency keys: <c>{ id: key (hashed if it cannot be an id), streamId: "idem:{customerId}", orderId }</c>,
/// created before the commit (a key held by another order = <see cref="DuplicateIdempotencyKeyException"/>;
/// held by the same order = a retry, and the commit decides). A key whose order has no commit is left
/// by a failed append and reads as absent.
/// </para>
/// <para>
/// Saga starts ride on the commit (<c>sagaPending: true</c>), so recording one is atomic with the events.
/// Completing one patches <c>sagaPending</c> to false: the only change a commit ever sees. That patch
/// re-emits the commit on the change feed, so the relay publishes its events a second time; every
/// envelope keeps its message id (<c>{orderId}:{version}</c>) and consumers dedupe by it (delivery is
/// at least once anyway). Removing the events instead would lose them if the relay had not yet read
/// the commit: latest-version change feed shows only the patched document.
/// </para>
/// </summary>
public sealed class CosmosOrderEventStore(Container container, TimeProvider clock, IOptions<OrderEventStoreOptions> options) : IOrderEventStore
{
    public const string PartitionKey = "streamId";
    public const string CommitKind = "commit";
    public const string KeyKind = "idempotencyKey";
    private const string Kind = "Order";
    private const string KeyPartitionPrefix = "idem:";
    private const string HashedKeyPrefix = "sha256:";

    private readonly int _snapshotEvery = Math.Max(0, options.Value.SnapshotEvery);

    public Container Container => container;

    public static string CommitId(int firstVersion) => firstVersion.ToString("D10", CultureInfo.InvariantCulture);

    public static string KeyPartition(string customerId) => KeyPartitionPrefix + customerId;

    /// <summary>The key itself when it can be an id; else (and for keys that look hashed) its SHA-256, so distinct keys never share an id.</summary>
    public static string KeyId(string key) =>
        StorageLimits.IsValidId(key) && !key.StartsWith(HashedKeyPrefix, StringComparison.Ordinal)
            ? key
            : HashedKeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task<IReadOnlyList<StoredEvent>> LoadAsync(string orderId, int? upToVersion = null) =>
        IsStreamId(orderId) ? await ReadEventsAsync(orderId, after: 0, upToVersion ?? int.MaxValue) : [];

    public Task<Order?> LoadOrderAsync(string orderId, int? upToVersion = null) =>
        IsStreamId(orderId) ? LoadStateAsync(orderId, upToVersion ?? int.MaxValue) : Task.FromResult<Order?>(null);

    public async Task AppendAsync(string orderId, int expectedVersion, IReadOnlyList<IOrderEvent> events,
        (string CustomerId, string? IdempotencyKey)? newStream = null, SagaStart? sagaStart = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!IsStreamId(orderId))
        {
            throw new ArgumentException($"'{orderId}' cannot be an order id: 1-255 characters without / \\ ? #, not starting with '{KeyPartitionPrefix}'.", nameof(orderId));
        }

        var head = await CosmosQueries.FirstOrDefaultAsync(container, new QueryDefinition(
            "SELECT TOP 1 c.toVersion, c.customerId, c.placedAt, c.types, c.prior FROM c WHERE c.kind = @commit ORDER BY c.toVersion DESC")
            .WithParameter("@commit", CommitKind), new PartitionKey(orderId));
        var current = head is { } h ? Read(orderId, () => h.GetProperty("toVersion").GetInt32()) : 0;
        if (current != expectedVersion)
        {
            throw new ConcurrencyException(orderId, expectedVersion);
        }

        var now = clock.GetUtcNow();
        var (customerId, placedAt) = (head, newStream) switch
        {
            (null, { } stream) => (stream.CustomerId, now.ToString("O")),
            ({ } existing, null) => Read(orderId, () => (existing.GetProperty("customerId").GetString()!, existing.GetProperty("placedAt").GetString()!)),
            (null, null) => throw new InvalidOperationException($"Order {orderId} has no stream: its first append names the customer."),
            _ => throw new InvalidOperationException($"Order {orderId} already has a stream."),
        };
        var prior = head is { } before
            ? Read(orderId, () => before.GetProperty("prior").EnumerateArray().Concat(before.GetProperty("types").EnumerateArray()).Select(t => t.GetString()!).ToList())
            : [];

        var document = await CommitAsync(orderId, expectedVersion, events, customerId, placedAt, now, prior, sagaStart);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document);
        if (bytes.Length > StorageLimits.MaxDocumentBytes)
        {
            throw new DocumentTooLargeException(Kind, orderId, bytes.Length);
        }

        if (newStream is { IdempotencyKey: { } key })
        {
            await ClaimKeyAsync(customerId, key, orderId, now);
        }

        using var content = new MemoryStream(bytes);
        using var response = await container.CreateItemStreamAsync(content, new PartitionKey(orderId));
        if (!response.IsSuccessStatusCode)
        {
            throw response.StatusCode switch
            {
                HttpStatusCode.Conflict => new ConcurrencyException(orderId, expectedVersion), // the commit after version expectedVersion exists: someone appended first
                HttpStatusCode.RequestEntityTooLarge => new DocumentTooLargeException(Kind, orderId, bytes.Length),
                _ => new CosmosStorageException(Kind, orderId, response.StatusCode, response.ErrorMessage),
            };
        }
    }

    public async Task<string?> FindByIdempotencyKeyAsync(string customerId, string key)
    {
        using var response = await container.ReadItemStreamAsync(KeyId(key), new PartitionKey(KeyPartition(customerId)));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var orderId = (await ReadAsync(response, customerId)).GetProperty("orderId").GetString()!;
        using var commit = await container.ReadItemStreamAsync(CommitId(1), new PartitionKey(orderId));
        return commit.StatusCode switch
        {
            HttpStatusCode.OK => orderId,
            HttpStatusCode.NotFound => null, // left by an append that failed
            _ => throw new CosmosStorageException(Kind, orderId, commit.StatusCode, commit.ErrorMessage),
        };
    }

    public async Task<IReadOnlyList<string>> ListAsync(string customerId)
    {
        var ids = new List<string>();
        await foreach (var item in CosmosQueries.QueryAsync(container, new QueryDefinition(
            "SELECT c.streamId FROM c WHERE c.kind = @commit AND c.fromVersion = 1 AND c.customerId = @customerId ORDER BY c.placedAt DESC")
            .WithParameter("@commit", CommitKind).WithParameter("@customerId", customerId), partitionKey: null))
        {
            ids.Add(item.GetProperty(PartitionKey).GetString()!);
        }

        return ids;
    }

    /// <summary>
    /// Keyset on (placedAt, streamId), both descending; the position is the last order's <c>{placedAt}|{streamId}</c>.
    /// The query sorts on <c>placedAt</c> alone (no composite index needed) and takes <c>limit + 1</c>; orders that
    /// share the boundary's <c>placedAt</c> are read in full and ordered by id here, so a page never cuts a tie arbitrarily.
    /// </summary>
    public async Task<Page<string>> ListAsync(string customerId, int limit, string? after)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        string? afterAt = null, afterId = null;
        if (after is not null)
        {
            var bar = after.IndexOf('|', StringComparison.Ordinal);
            if (bar < 1)
            {
                throw new FormatException($"'{after}' is not an order list position.");
            }

            (afterAt, afterId) = (after[..bar], after[(bar + 1)..]);
        }

        var select = "SELECT c.streamId, c.placedAt FROM c WHERE c.kind = @commit AND c.fromVersion = 1 AND c.customerId = @customerId"
            + (after is null ? "" : " AND (c.placedAt < @afterAt OR (c.placedAt = @afterAt AND c.streamId < @afterId))");
        QueryDefinition Query(string text)
        {
            var query = new QueryDefinition(text).WithParameter("@commit", CommitKind).WithParameter("@customerId", customerId);
            return after is null ? query : query.WithParameter("@afterAt", afterAt).WithParameter("@afterId", afterId);
        }

        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var item in CosmosQueries.QueryAsync(container, Query(select.Replace("SELECT ", $"SELECT TOP {limit + 1} ", StringComparison.Ordinal) + " ORDER BY c.placedAt DESC"), partitionKey: null))
        {
            found[item.GetProperty(PartitionKey).GetString()!] = item.GetProperty("placedAt").GetString()!;
        }

        if (found.Count > limit)
        {
            var boundary = found.Values.Min(StringComparer.Ordinal)!;
            await foreach (var item in CosmosQueries.QueryAsync(container, Query(select + " AND c.placedAt = @boundary").WithParameter("@boundary", boundary), partitionKey: null))
            {
                found[item.GetProperty(PartitionKey).GetString()!] = item.GetProperty("placedAt").GetString()!;
            }
        }

        var ordered = found.Select(f => (Id: f.Key, At: f.Value))
            .OrderByDescending(f => f.At, StringComparer.Ordinal).ThenByDescending(f => f.Id, StringComparer.Ordinal).ToList();
        return ordered.Count > limit
            ? new Page<string>([.. ordered.Take(limit).Select(o => o.Id)], $"{ordered[limit - 1].At}|{ordered[limit - 1].Id}")
            : new Page<string>([.. ordered.Select(o => o.Id)], null);
    }

    public async Task<IReadOnlyList<StoredEvent>> LoadRangeAsync(string orderId, int afterVersion, int upToVersion) =>
        IsStreamId(orderId) && upToVersion > afterVersion ? await ReadEventsAsync(orderId, afterVersion, upToVersion) : [];

    public async Task<IReadOnlyList<SagaStart>> PendingSagaStartsAsync()
    {
        var starts = new List<(string At, SagaStart Start)>();
        await foreach (var item in CosmosQueries.QueryAsync(container, new QueryDefinition(
            "SELECT c.streamId, c.at, c.sagaStart FROM c WHERE c.kind = @commit AND c.sagaPending = true").WithParameter("@commit", CommitKind), partitionKey: null))
        {
            var orderId = item.GetProperty(PartitionKey).GetString()!;
            starts.Add(Read(orderId, () => (item.GetProperty("at").GetString()!, item.GetProperty("sagaStart").Deserialize<SagaStart>(OrderEventJson.Options)!)));
        }

        return [.. starts.OrderBy(s => s.At, StringComparer.Ordinal).Select(s => s.Start)];
    }

    public async Task CompleteSagaStartAsync(string instanceId)
    {
        var pending = new List<(string Id, string OrderId)>();
        await foreach (var item in CosmosQueries.QueryAsync(container, new QueryDefinition(
            "SELECT c.id, c.streamId FROM c WHERE c.kind = @commit AND c.sagaPending = true AND c.sagaStart.instanceId = @instanceId")
            .WithParameter("@commit", CommitKind).WithParameter("@instanceId", instanceId), partitionKey: null))
        {
            pending.Add((item.GetProperty("id").GetString()!, item.GetProperty(PartitionKey).GetString()!));
        }

        foreach (var (id, orderId) in pending)
        {
            using var response = await container.PatchItemStreamAsync(id, new PartitionKey(orderId), [PatchOperation.Set("/sagaPending", false)]);
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
            {
                throw new CosmosStorageException(Kind, orderId, response.StatusCode, response.ErrorMessage);
            }
        }
    }

    /// <summary>
    /// Four count queries over the commits: orders placed, and the streams in which <c>OrderConfirmed</c>,
    /// <c>OrderCancelled</c>, and both, first appear (a commit that brings a type its <c>prior</c> lacks).
    /// </summary>
    public async Task<SagaStats> CountByStatusAsync()
    {
        const string Confirmed = "ARRAY_CONTAINS(c.types, @confirmed)";
        const string Cancelled = "ARRAY_CONTAINS(c.types, @cancelled)";
        const string WasConfirmed = "ARRAY_CONTAINS(c.prior, @confirmed)";
        const string WasCancelled = "ARRAY_CONTAINS(c.prior, @cancelled)";
        var placed = await CountAsync("c.fromVersion = 1");
        var confirmed = await CountAsync($"{Confirmed} AND NOT {WasConfirmed}");
        var cancelled = await CountAsync($"{Cancelled} AND NOT {WasCancelled}");
        var both = await CountAsync($"({Confirmed} OR {WasConfirmed}) AND ({Cancelled} OR {WasCancelled}) AND NOT ({WasConfirmed} AND {WasCancelled})");
        return new SagaStats(placed - confirmed - cancelled + both, confirmed - both, cancelled);
    }

    private async Task<int> CountAsync(string condition)
    {
        var count = 0;
        await foreach (var partial in CosmosQueries.QueryAsync(container, new QueryDefinition($"SELECT VALUE COUNT(1) FROM c WHERE c.kind = @commit AND {condition}")
            .WithParameter("@commit", CommitKind).WithParameter("@confirmed", nameof(OrderConfirmed)).WithParameter("@cancelled", nameof(OrderCancelled)), partitionKey: null))
        {
            count += partial.GetInt32();
        }

        return count;
    }

    /// <summary>The commit document of an append at <paramref name="expectedVersion"/>, with the snapshots it reaches.</summary>
    private async Task<JsonObject> CommitAsync(string orderId, int expectedVersion, IReadOnlyList<IOrderEvent> events,
        string customerId, string placedAt, DateTimeOffset now, List<string> prior, SagaStart? sagaStart)
    {
        // The state is needed only when this append reaches a snapshot point: then it is loaded once
        // (from the previous snapshot) and carried forward over the new events, as in the SQLite adapter.
        var snapshotDue = _snapshotEvery > 0 && (expectedVersion + events.Count) / _snapshotEvery > expectedVersion / _snapshotEvery;
        var state = snapshotDue && expectedVersion > 0 ? await LoadStateAsync(orderId, expectedVersion) : null;
        var sinceState = new List<StoredEvent>();
        var (envelopes, stored, snapshots) = (new JsonArray(), new JsonArray(), new JsonArray());
        var at = now.ToString("O");
        var version = expectedVersion;
        foreach (var e in events)
        {
            version++;
            var type = OrderEventJson.TypeName(e);
            stored.Add(new JsonObject { ["version"] = version, ["type"] = type, ["at"] = at, ["data"] = JsonSerializer.SerializeToNode(OrderEventJson.Serialize(e)) });
            envelopes.Add(JsonSerializer.SerializeToNode(OrderEventPublished.Envelope(orderId, customerId, version, e, now), IntegrationEvent.Json));
            if (snapshotDue)
            {
                sinceState.Add(new StoredEvent(version, type, now, e));
                if (version % _snapshotEvery == 0)
                {
                    state = state is null ? Order.Rehydrate(orderId, sinceState)! : Order.FromSnapshot(state.ToSnapshot(), sinceState);
                    sinceState.Clear();
                    snapshots.Add(new JsonObject { ["version"] = version, ["state"] = JsonSerializer.SerializeToNode(state.ToSnapshot(), OrderEventJson.Options) });
                }
            }
        }

        var document = new JsonObject
        {
            ["id"] = CommitId(expectedVersion + 1),
            [PartitionKey] = orderId,
            ["kind"] = CommitKind,
            ["fromVersion"] = expectedVersion + 1,
            ["toVersion"] = version,
            ["customerId"] = customerId,
            ["placedAt"] = placedAt,
            ["at"] = at,
            ["events"] = envelopes,
            ["stored"] = stored,
            ["types"] = Strings(events.Select(OrderEventJson.TypeName)),
            ["prior"] = Strings(prior),
        };
        if (snapshots.Count > 0)
        {
            document["snapshotFrom"] = snapshots[0]!["version"]!.GetValue<int>();
            document["snapshots"] = snapshots;
        }

        if (sagaStart is not null)
        {
            document["sagaStart"] = JsonSerializer.SerializeToNode(sagaStart, OrderEventJson.Options);
            document["sagaPending"] = true;
        }

        return document;
    }

    private async Task ClaimKeyAsync(string customerId, string key, string orderId, DateTimeOffset now)
    {
        var document = new JsonObject
        {
            ["id"] = KeyId(key),
            [PartitionKey] = KeyPartition(customerId),
            ["kind"] = KeyKind,
            ["key"] = key,
            ["orderId"] = orderId,
            ["at"] = now.ToString("O"),
        };
        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(document));
        using var response = await container.CreateItemStreamAsync(content, new PartitionKey(KeyPartition(customerId)));
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            using var existing = await container.ReadItemStreamAsync(KeyId(key), new PartitionKey(KeyPartition(customerId)));
            if ((await ReadAsync(existing, customerId)).GetProperty("orderId").GetString() != orderId)
            {
                throw new DuplicateIdempotencyKeyException(key);
            }
        }
        else if (!response.IsSuccessStatusCode)
        {
            throw new CosmosStorageException("IdempotencyKey", key, response.StatusCode, response.ErrorMessage);
        }
    }

    /// <summary>The latest snapshot at or before <paramref name="upTo"/>, then only the events after it.</summary>
    private async Task<Order?> LoadStateAsync(string orderId, int upTo)
    {
        var latest = await CosmosQueries.FirstOrDefaultAsync(container, new QueryDefinition(
            "SELECT TOP 1 c.snapshots FROM c WHERE c.kind = @commit AND c.snapshotFrom <= @upTo ORDER BY c.snapshotFrom DESC")
            .WithParameter("@commit", CommitKind).WithParameter("@upTo", upTo), new PartitionKey(orderId));
        var snapshot = latest is { } doc
            ? Read(orderId, () => doc.GetProperty("snapshots").EnumerateArray()
                .Where(s => s.GetProperty("version").GetInt32() <= upTo)
                .Select(s => s.GetProperty("state").Deserialize<OrderSnapshot>(OrderEventJson.Options) ?? throw new JsonException("null snapshot"))
                .MaxBy(s => s.Version))
            : null;
        var tail = await ReadEventsAsync(orderId, after: snapshot?.Version ?? 0, upTo);
        return snapshot is null ? Order.Rehydrate(orderId, tail) : Order.FromSnapshot(snapshot, tail);
    }

    private async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string orderId, int after, int upTo)
    {
        var events = new List<StoredEvent>();
        await foreach (var commit in CosmosQueries.QueryAsync(container, new QueryDefinition(
            "SELECT c.stored FROM c WHERE c.kind = @commit AND c.toVersion > @after AND c.fromVersion <= @upTo ORDER BY c.fromVersion")
            .WithParameter("@commit", CommitKind).WithParameter("@after", after).WithParameter("@upTo", upTo), new PartitionKey(orderId)))
        {
            events.AddRange(Read(orderId, () => commit.GetProperty("stored").EnumerateArray()
                .Select(e => (Version: e.GetProperty("version").GetInt32(), Stored: e))
                .Where(e => e.Version > after && e.Version <= upTo)
                .Select(e =>
                {
                    var type = e.Stored.GetProperty("type").GetString()!;
                    return new StoredEvent(e.Version, type, e.Stored.GetProperty("at").GetDateTimeOffset(), OrderEventJson.Deserialize(type, e.Stored.GetProperty("data")));
                })
                .ToList()));
        }

        return events;
    }

    private static async Task<JsonElement> ReadAsync(ResponseMessage response, string id)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new CosmosStorageException(KeyKind, id, response.StatusCode, response.ErrorMessage);
        }

        using var document = await JsonDocument.ParseAsync(response.Content);
        return document.RootElement.Clone();
    }

    private static JsonArray Strings(IEnumerable<string> values) =>
        new([.. values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(v => (JsonNode?)v)]);

    private static bool IsStreamId(string orderId) =>
        StorageLimits.IsValidId(orderId) && !orderId.StartsWith(KeyPartitionPrefix, StringComparison.Ordinal);

    /// <summary>A stored document that cannot be read back is a <see cref="CorruptDocumentException"/> naming the order.</summary>
    private static T Read<T>(string orderId, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new CorruptDocumentException(Kind, orderId, ex);
        }
    }
}
