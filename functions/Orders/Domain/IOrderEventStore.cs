using Serverless.BuildingBlocks.Http;

namespace Serverless.Orders.Domain;

/// <summary>
/// Orders' event store (the port): one append-only stream per order, optimistic concurrency on the
/// expected version (a conflict is a <see cref="ConcurrencyException"/> for the caller to retry,
/// never merged), a snapshot every N events so a load costs the same whatever the stream's length,
/// and the integration events (outbox envelopes, <see cref="OrderEventPublished.Envelope"/>) and
/// saga starts written atomically with the events.
/// <para>
/// Adapters (both pass <c>EventStoreContract</c>):
/// <list type="bullet">
/// <item><c>Storage/Sqlite/SqliteOrderEventStore</c> — tables <c>streams</c>, <c>events</c>,
/// <c>snapshots</c>, <c>idempotency_keys</c>, <c>saga_starts</c> and the outbox, one transaction per append.</item>
/// <item><c>Storage/Cosmos/CosmosOrderEventStore</c> — container <c>orders</c>, partition key
/// <c>/streamId</c>. An append is ONE new, immutable "commit" document in the stream's partition,
/// id = the append's first version (<c>"0000000007"</c>), holding the stored events, their outbox
/// envelopes (<c>events</c>: the change feed is the outbox), any snapshot due and the saga start. A
/// single-item create is atomic, so no transactional batch is needed, and "the id is taken" (409)
/// is the concurrency conflict. Idempotency keys are one document each in the partition
/// <c>idem:{customerId}</c>, created before the commit.</item>
/// </list>
/// An append whose stored form would exceed <see cref="BuildingBlocks.Storage.StorageLimits.MaxDocumentBytes"/>
/// is refused with <see cref="BuildingBlocks.Storage.DocumentTooLargeException"/> and writes nothing; a stored
/// event that cannot be read back is a <see cref="BuildingBlocks.Storage.CorruptDocumentException"/>.
/// </para>
/// </summary>
public interface IOrderEventStore
{
    /// <summary>The stream's events as stored (a full read), up to <paramref name="upToVersion"/> if given.</summary>
    Task<IReadOnlyList<StoredEvent>> LoadAsync(string orderId, int? upToVersion = null);

    /// <summary>The order at <paramref name="upToVersion"/> (or now): the latest snapshot at or before it, then only the events after it.</summary>
    Task<Order?> LoadOrderAsync(string orderId, int? upToVersion = null);

    /// <summary>
    /// Appends events at <paramref name="expectedVersion"/> (0 for a new stream), with their outbox envelopes,
    /// any snapshot due and <paramref name="sagaStart"/>, atomically; <see cref="ConcurrencyException"/> if the stream moved,
    /// <see cref="DuplicateIdempotencyKeyException"/> if the new stream's key belongs to another order.
    /// </summary>
    Task AppendAsync(string orderId, int expectedVersion, IReadOnlyList<IOrderEvent> events,
        (string CustomerId, string? IdempotencyKey)? newStream = null, SagaStart? sagaStart = null);

    /// <summary>The order placed with <paramref name="key"/> by <paramref name="customerId"/>, if its placement was stored.</summary>
    Task<string?> FindByIdempotencyKeyAsync(string customerId, string key);

    /// <summary>The customer's order ids, newest first.</summary>
    Task<IReadOnlyList<string>> ListAsync(string customerId);

    /// <summary>
    /// One page of the customer's order ids, newest first: at most <paramref name="limit"/> of them, strictly
    /// after <paramref name="after"/> (a <see cref="Page{T}.Next"/> this adapter handed out; null for the first
    /// page). Keyset on the list's stable order, so orders placed meanwhile neither repeat nor shift a page.
    /// A position this adapter cannot read is a <see cref="FormatException"/>.
    /// </summary>
    Task<Page<string>> ListAsync(string customerId, int limit, string? after);

    /// <summary>The stream's events with versions in (<paramref name="afterVersion"/>, <paramref name="upToVersion"/>], oldest first.</summary>
    Task<IReadOnlyList<StoredEvent>> LoadRangeAsync(string orderId, int afterVersion, int upToVersion);

    Task<IReadOnlyList<SagaStart>> PendingSagaStartsAsync();

    Task CompleteSagaStartAsync(string instanceId);

    /// <summary>How many orders are pending, confirmed (and not cancelled since) and cancelled.</summary>
    Task<SagaStats> CountByStatusAsync();
}

public sealed class ConcurrencyException(string orderId, int expectedVersion)
    : Exception($"Order {orderId} is no longer at version {expectedVersion}.");

public sealed class DuplicateIdempotencyKeyException(string key) : Exception($"Idempotency key '{key}' is already used.");

/// <summary>A saga to start, recorded in the same write as the events that call for it.</summary>
public sealed record SagaStart(string InstanceId, string Orchestrator, string OrderId, string InputJson);

/// <summary>Orders by status, for operations.</summary>
public sealed record SagaStats(int Pending, int Confirmed, int Cancelled);

/// <summary>Orders' event store settings, bound from the <c>Orders</c> configuration section.</summary>
public sealed class OrderEventStoreOptions
{
    public const string Section = "Orders";

    /// <summary>
    /// A snapshot is written each time a stream reaches a multiple of this; 0 writes none. It bounds the
    /// tail a load replays after the latest snapshot (at most N - 1 events): 10 keeps the worst tail's load
    /// within 1.5x of a 10-event order's, where 50 cost ~2-3x on SQLite (tests/Benchmarks, EventStoreLoadBenchmark).
    /// </summary>
    public int SnapshotEvery { get; set; } = 10;
}

public static class OrderEventStoreExtensions
{
    /// <summary>
    /// Appends <paramref name="e"/> unless an event of its type is already in the stream, retrying on
    /// concurrency conflicts. <paramref name="skip"/> may refuse the append given the current state.
    /// </summary>
    public static async Task<Order> AppendOnceAsync(this IOrderEventStore store, string orderId, IOrderEvent e, Func<Order, bool>? skip = null) =>
        (await store.TryAppendOnceAsync(orderId, e, skip)).Order;

    /// <summary>
    /// <see cref="AppendOnceAsync"/>, telling whether this call appended the event (false: it was there
    /// already, or <paramref name="skip"/> refused): what counts a business fact once however often a step reruns.
    /// </summary>
    public static async Task<(Order Order, bool Appended)> TryAppendOnceAsync(this IOrderEventStore store, string orderId, IOrderEvent e, Func<Order, bool>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(e);
        for (var attempt = 0; ; attempt++)
        {
            var order = await store.LoadOrderAsync(orderId) ?? throw new InvalidOperationException($"Order {orderId} does not exist.");
            if (order.Has(e.GetType().Name) || (skip?.Invoke(order) ?? false))
            {
                return (order, false);
            }

            try
            {
                await store.AppendAsync(orderId, order.Version, [e]);
                return ((await store.LoadOrderAsync(orderId))!, true);
            }
            catch (ConcurrencyException) when (attempt < 20)
            {
                // Someone appended first: decide again on the new state.
            }
        }
    }
}
