namespace Serverless.Orders.Domain;

/// <summary>
/// Orders' event store (the port): one append-only stream per order, optimistic concurrency on the
/// expected version (a conflict is a <see cref="ConcurrencyException"/> for the caller to retry,
/// never merged), a snapshot every N events so a load costs the same whatever the stream's length,
/// and the outbox rows and saga starts written atomically with the events.
/// <para>
/// The local adapter is <see cref="OrderEventStore"/> (SQLite, one transaction per append). The Cosmos
/// adapter maps one to one:
/// <list type="bullet">
/// <item>container <c>orders</c>, partition key <c>/streamId</c> = the order id: a stream and
/// everything written with it share one logical partition, so one <c>TransactionalBatch</c> holds an append.</item>
/// <item>stream header (SQLite <c>streams</c> row): <c>{ id: "{streamId}", type: "stream", customerId,
/// placedAt, version }</c>. Its <c>_etag</c> is the optimistic lock: an append reads the header,
/// checks <c>version == expectedVersion</c> and replaces it with <c>IfMatchEtag</c>; a 412 (or a 409
/// on an event id) fails the batch and surfaces as <see cref="ConcurrencyException"/>. A new stream
/// creates the header instead (409 = someone else did).</item>
/// <item>event (SQLite <c>events</c> row): <c>{ id: "{streamId}:{version:D10}", type: "event",
/// eventType, at, version, data }</c>; created, never replaced, so ids enforce "no gap, no duplicate".</item>
/// <item>snapshot (SQLite <c>snapshots</c> row): <c>{ id: "{streamId}:snapshot:{version:D10}", type:
/// "snapshot", version, state }</c>, created in the batch of the append that reaches a multiple of N.
/// The latest at or before a version is <c>SELECT TOP 1 * FROM c WHERE c.type = "snapshot" AND
/// c.version &lt;= @v ORDER BY c.version DESC</c> within the partition, then the events after it
/// by a range on <c>version</c>. Full reads (<see cref="LoadAsync"/>) query <c>type = "event"</c> only.</item>
/// <item>outbox (SQLite <c>outbox</c> row): <c>{ id: "outbox:{messageId}", type: "outbox", topic, body }</c>
/// in the same partition and batch. The container's change feed is the outbox relay's feed
/// (filter <c>type = "outbox"</c>); its lease container holds the checkpoints.</item>
/// <item>saga start (SQLite <c>saga_starts</c> row): <c>{ id: "saga:{instanceId}", type: "sagaStart", ... }</c>,
/// same partition and batch; pending ones are a cross-partition query on <c>type</c>, completing one
/// deletes it (its order id is in the instance id).</item>
/// <item>idempotency key: the one write outside the batch, as its uniqueness spans streams. A doc
/// <c>{ id: "{key}", streamId: "idem:{customerId}", orderId }</c> is created first (409 =
/// <see cref="DuplicateIdempotencyKeyException"/>), then the stream's batch; a key left by a failed
/// batch points at a stream without a header and is read as absent.</item>
/// <item>customer's orders (<see cref="ListAsync"/>): cross-partition query on the headers by
/// <c>customerId</c>, newest <c>placedAt</c> first.</item>
/// </list>
/// A batch holds at most 100 operations: an append writes 1 header + 2 per event (event, outbox) +
/// its snapshots + a saga start, ample for the few events a command appends.
/// </para>
/// </summary>
public interface IOrderEventStore
{
    /// <summary>The stream's events as stored (a full read), up to <paramref name="upToVersion"/> if given.</summary>
    Task<IReadOnlyList<StoredEvent>> LoadAsync(string orderId, int? upToVersion = null);

    /// <summary>The order at <paramref name="upToVersion"/> (or now): the latest snapshot at or before it, then only the events after it.</summary>
    Task<Order?> LoadOrderAsync(string orderId, int? upToVersion = null);

    /// <summary>
    /// Appends events at <paramref name="expectedVersion"/> (0 for a new stream), with their outbox rows,
    /// any snapshot due and <paramref name="sagaStart"/>, atomically; <see cref="ConcurrencyException"/> if the stream moved.
    /// </summary>
    Task AppendAsync(string orderId, int expectedVersion, IReadOnlyList<IOrderEvent> events,
        (string CustomerId, string? IdempotencyKey)? newStream = null, SagaStart? sagaStart = null);

    Task<string?> FindByIdempotencyKeyAsync(string customerId, string key);

    /// <summary>The customer's order ids, newest first.</summary>
    Task<IReadOnlyList<string>> ListAsync(string customerId);

    Task<IReadOnlyList<SagaStart>> PendingSagaStartsAsync();

    Task CompleteSagaStartAsync(string instanceId);
}

public static class OrderEventStoreExtensions
{
    /// <summary>
    /// Appends <paramref name="e"/> unless an event of its type is already in the stream, retrying on
    /// concurrency conflicts. <paramref name="skip"/> may refuse the append given the current state.
    /// </summary>
    public static async Task<Order> AppendOnceAsync(this IOrderEventStore store, string orderId, IOrderEvent e, Func<Order, bool>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(e);
        for (var attempt = 0; ; attempt++)
        {
            var order = await store.LoadOrderAsync(orderId) ?? throw new InvalidOperationException($"Order {orderId} does not exist.");
            if (order.Has(e.GetType().Name) || (skip?.Invoke(order) ?? false))
            {
                return order;
            }

            try
            {
                await store.AppendAsync(orderId, order.Version, [e]);
                return (await store.LoadOrderAsync(orderId))!;
            }
            catch (ConcurrencyException) when (attempt < 20)
            {
                // Someone appended first: decide again on the new state.
            }
        }
    }
}
