using Serverless.BuildingBlocks.Messaging;

namespace Serverless.BuildingBlocks.Storage;

/// <summary>
/// An aggregate as loaded: its state (null when it does not exist yet), the version to save it at
/// (0 for a new one), and whether the operation asked about has already been applied to it.
/// </summary>
public sealed record Loaded<T>(string Id, T? State, long Version, bool OperationApplied = false)
    where T : class
{
    public bool Exists => State is not null;
}

/// <summary>
/// The port every state store shares (stock, reservations, wallets, charges, shipments): load an
/// aggregate, then save its new state together with the integration events it raised, atomically,
/// at the version it was loaded at (optimistic concurrency). An <c>operationId</c> saved with a
/// change makes it idempotent across aggregates: a handler that touches several aggregates asks
/// <see cref="LoadAsync"/> whether its operation was applied before and skips it if so.
/// <para>
/// Adapters: <see cref="Sqlite.SqliteAggregateStore{T}"/> (one transaction: state, operation id,
/// outbox rows) and <see cref="Cosmos.CosmosAggregateStore{T}"/> (one new document per save in the
/// aggregate's partition, holding state, operation id and events; the change feed carries the
/// events out). Both pass <c>AggregateStoreContract</c>.
/// </para>
/// </summary>
public interface IAggregateStore<T>
    where T : class
{
    /// <summary>The latest state of <paramref name="id"/> (null state when there is none), and whether <paramref name="operationId"/> was applied to it.</summary>
    Task<Loaded<T>> LoadAsync(string id, string? operationId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves <paramref name="state"/> as version <c>loaded.Version + 1</c> with <paramref name="events"/>, atomically.
    /// Throws <see cref="ConcurrencyConflictException"/> when someone saved <paramref name="loaded"/>'s id since it was loaded,
    /// <see cref="DocumentTooLargeException"/> when the state and events are too large to store; either way nothing changes.
    /// </summary>
    Task<long> SaveAsync(Loaded<T> loaded, T state, IReadOnlyList<IntegrationEvent> events, string? operationId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The latest state of at most <paramref name="limit"/> aggregates, in ordinal id order, with ids strictly
    /// after <paramref name="afterId"/> (null: from the first): keyset paging for small catalogues such as stock.
    /// </summary>
    Task<IReadOnlyList<Loaded<T>>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken = default);
}

/// <summary>Someone else saved the aggregate first: load it again and decide again.</summary>
public sealed class ConcurrencyConflictException(string kind, string id, long expectedVersion)
    : Exception($"{kind} '{id}' is no longer at version {expectedVersion}.");

/// <summary>A save that no store would keep (Cosmos DB's item limit is 2 MB; both adapters enforce the same bound).</summary>
public sealed class DocumentTooLargeException(string kind, string id, int bytes)
    : Exception($"{kind} '{id}' would be {bytes} bytes; the limit is {StorageLimits.MaxDocumentBytes}.");

/// <summary>A stored document that cannot be read back (edited or damaged behind the store's back).</summary>
public sealed class CorruptDocumentException(string kind, string id, Exception inner)
    : Exception($"{kind} '{id}' is stored in a form that cannot be read: {inner.Message}", inner);

public static class StorageLimits
{
    /// <summary>Cosmos DB refuses items over 2 MB; leave room for the envelope and system properties.</summary>
    public const int MaxDocumentBytes = 1_900_000;

    /// <summary>Ids are Cosmos item ids and partition key values: at most 255 characters, none of / \ ? #.</summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= 255 && id.IndexOfAny(['/', '\\', '?', '#']) < 0;
}

public static class AggregateStoreExtensions
{
    /// <summary>
    /// Runs a load-decide-save attempt until it saves without a conflict (each attempt decides again
    /// on fresh state), at most <paramref name="attempts"/> times.
    /// </summary>
    public static async Task<TResult> RetryOnConflictAsync<TResult>(Func<Task<TResult>> attempt, int attempts = 20)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        for (var i = 1; ; i++)
        {
            try
            {
                return await attempt();
            }
            catch (ConcurrencyConflictException) when (i < attempts)
            {
                // Full jitter over a window that doubles (5, 10, 20, ... ms, at most 250): 16 writers on one
                // hot item over a slow store (the local Cosmos server) exhausted a linear window (measured).
                await Task.Delay(Random.Shared.Next(1, Math.Min(250, 5 << Math.Min(i, 6))));
            }
        }
    }
}
