using System.Text.Json;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.Orders.Domain;

namespace Serverless.IntegrationTests.Orders.EventStore;

/// <summary>
/// What every <see cref="IOrderEventStore"/> adapter must do. An adapter's test class derives from
/// this and supplies a fresh store plus back doors into its storage (snapshot versions, the outbox
/// envelopes written, corrupting an event).
/// </summary>
public abstract class EventStoreContract
{
    private static readonly OrderPlaced Placed = new(
        "alice",
        [new OrderLine("SKU-1", 2, 10m), new OrderLine("SKU-2", 1, 5.5m)],
        25.5m,
        new ShippingAddress("1 Main St", "Seoul", "04524", "KR"));

    private static readonly string[] EventTypeNames = typeof(IOrderEvent).Assembly.GetTypes()
        .Where(t => t.IsClass && typeof(IOrderEvent).IsAssignableFrom(t))
        .Select(t => t.Name)
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>A store on its own empty storage, snapshotting every <paramref name="snapshotEvery"/> events (0: never).</summary>
    protected abstract Task<IOrderEventStore> CreateStoreAsync(int snapshotEvery = 50);

    /// <summary>The integration events written with the stream's appends, in order (SQLite: the outbox table; Cosmos: the commits' <c>events</c>).</summary>
    protected abstract Task<IReadOnlyList<IntegrationEvent>> OutboxAsync(IOrderEventStore store, string orderId);

    /// <summary>The versions at which the stream has a snapshot, ascending.</summary>
    protected abstract Task<IReadOnlyList<int>> SnapshotVersionsAsync(IOrderEventStore store, string orderId);

    /// <summary>Makes the stored event at <paramref name="version"/> unreadable, behind the store's back.</summary>
    protected abstract Task CorruptEventAsync(IOrderEventStore store, string orderId, int version);

    [Fact]
    public async Task AppendedEvents_LoadInOrder_AndRebuildTheOrder()
    {
        // Given a new stream with OrderPlaced, then StockReserved
        var store = await CreateStoreAsync(snapshotEvery: 50);
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));
        await store.AppendAsync("order-1", 1, [new StockReserved()]);

        // When loaded
        var events = await store.LoadAsync("order-1");
        var order = await store.LoadOrderAsync("order-1");

        // Then the events come back in order, versions 1 and 2, and the order carries what was placed
        Assert.Equal([(1, nameof(OrderPlaced)), (2, nameof(StockReserved))], events.Select(e => (e.Version, e.Type)));
        var placed = Assert.IsType<OrderPlaced>(events[0].Data);
        Assert.Equal(Placed with { Items = placed.Items }, placed);
        Assert.Equal(Placed.Items, placed.Items);
        Assert.NotNull(order);
        Assert.Equal((2, "alice", OrderStatus.Pending, 25.5m), (order.Version, order.CustomerId, order.Status, order.Total));
        Assert.Equal(Placed.Items, order.Items);
        Assert.True(order.Has(nameof(StockReserved)));
        Assert.Equal(["order-1"], await store.ListAsync("alice"));
    }

    [Fact]
    public async Task UnknownStream_LoadsNothing()
    {
        var store = await CreateStoreAsync(snapshotEvery: 50);

        Assert.Empty(await store.LoadAsync("nope"));
        Assert.Null(await store.LoadOrderAsync("nope"));
    }

    [Fact]
    public async Task AppendsAtTheSameExpectedVersion_OneWins_OthersConflict_NoGapNoDuplicate()
    {
        // Given a placed order at version 1
        var store = await CreateStoreAsync(snapshotEvery: 50);
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));

        // When eight writers append at expected version 1 at once
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => TryAppend(store, "order-1", 1, new StockReserved()))));

        // Then exactly one succeeds, the others get ConcurrencyException, and the stream is 1, 2
        Assert.Equal(1, results.Count(r => r is null));
        Assert.All(results.Where(r => r is not null), r => Assert.IsType<ConcurrencyException>(r));
        Assert.Equal([1, 2], (await store.LoadAsync("order-1")).Select(e => e.Version));
        Assert.Equal(2, (await store.LoadOrderAsync("order-1"))!.Version);
    }

    [Fact]
    public async Task ConflictingAppendsAcrossASnapshotPoint_LeaveOneSnapshot_AndTheWinnersEvents()
    {
        // Given a stream at version 48, snapshots every 50
        var store = await CreateStoreAsync(snapshotEvery: 50);
        await AppendStreamAsync(store, "order-1", 48, chunk: 48);

        // When two writers each append 5 events at version 48 (both reach 50)
        var results = await Task.WhenAll(
            Task.Run(() => TryAppend(store, "order-1", 48, Enumerable.Range(0, 5).Select(_ => (IOrderEvent)new StockReserved()).ToArray())),
            Task.Run(() => TryAppend(store, "order-1", 48, Enumerable.Range(0, 5).Select(_ => (IOrderEvent)new StockReleased()).ToArray())));

        // Then one conflicts; the stream is 1..53 without gaps; one snapshot at 50 matching the replay
        Assert.Single(results, r => r is ConcurrencyException);
        Assert.Equal(Enumerable.Range(1, 53), (await store.LoadAsync("order-1")).Select(e => e.Version));
        Assert.Equal([50], await SnapshotVersionsAsync(store, "order-1"));
        await AssertSameAsFullReplayAsync(store, "order-1", 50);
        await AssertSameAsFullReplayAsync(store, "order-1", 53);
    }

    [Fact]
    public async Task SnapshotEvery50_WritesOneAtEachMultiple()
    {
        // Given snapshots every 50; When 130 events are appended in chunks of 7
        var store = await CreateStoreAsync(snapshotEvery: 50);
        await AppendStreamAsync(store, "order-1", 130, chunk: 7);

        // Then there are snapshots at 50 and 100 only
        Assert.Equal([50, 100], await SnapshotVersionsAsync(store, "order-1"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(130)]
    public async Task SnapshotPlusTail_EqualsFullReplay_AtEveryVersion(int chunk)
    {
        // Given 130 events (status, reason and steps changing before, at and after the snapshots at 50 and 100),
        // appended in chunks of the given size (one event, a few, or all in one append)
        var store = await CreateStoreAsync(snapshotEvery: 50);
        await AppendStreamAsync(store, "order-1", 130, chunk);
        Assert.Equal([50, 100], await SnapshotVersionsAsync(store, "order-1"));

        // When loaded as of each version; Then every observable property equals a replay of all events
        for (var version = 1; version <= 130; version++)
        {
            await AssertSameAsFullReplayAsync(store, "order-1", version);
        }

        Assert.Equal(Observe((await store.LoadOrderAsync("order-1"))!), Observe(Order.Rehydrate("order-1", await store.LoadAsync("order-1"))!));
    }

    [Theory]
    [InlineData(49, 49)]
    [InlineData(50, 50)]
    [InlineData(51, 51)]
    [InlineData(100, 100)]
    [InlineData(129, 129)]
    [InlineData(130, 130)]
    [InlineData(500, 130)]
    public async Task AsOfVersion_BeforeAtOrAfterASnapshot_IsTheOrderAtThatVersion(int asOf, int expectedVersion)
    {
        // Given 130 events with snapshots at 50 and 100
        var store = await CreateStoreAsync(snapshotEvery: 50);
        await AppendStreamAsync(store, "order-1", 130, chunk: 13);

        // When loaded as of a version
        var order = await store.LoadOrderAsync("order-1", asOf);

        // Then it is the order at that version (or the last one), as a full replay has it; the raw events stop there too
        Assert.Equal(expectedVersion, order!.Version);
        await AssertSameAsFullReplayAsync(store, "order-1", asOf);
        Assert.Equal(expectedVersion, (await store.LoadAsync("order-1", asOf)).Count);
    }

    [Fact]
    public async Task SnapshotsDisabled_WritesNone_AndStillLoadsRight()
    {
        // Given snapshots disabled (0) and 130 events
        var store = await CreateStoreAsync(snapshotEvery: 0);
        await AppendStreamAsync(store, "order-1", 130, chunk: 7);

        // Then no snapshot is written and every version loads as a full replay has it
        Assert.Empty(await SnapshotVersionsAsync(store, "order-1"));
        foreach (var version in new[] { 1, 49, 50, 51, 100, 130 })
        {
            await AssertSameAsFullReplayAsync(store, "order-1", version);
        }

        Assert.Equal(OrderStatus.Cancelled, (await store.LoadOrderAsync("order-1"))!.Status);
    }

    [Fact]
    public async Task WithASnapshot_LoadSkipsTheEventsBeforeIt()
    {
        // Given 130 events with snapshots at 50 and 100, and the order as loaded now
        var store = await CreateStoreAsync(snapshotEvery: 50);
        await AppendStreamAsync(store, "order-1", 130, chunk: 7);
        var before = Observe((await store.LoadOrderAsync("order-1"))!);
        var at75 = Observe((await store.LoadOrderAsync("order-1", 75))!);

        // When event 3 becomes unreadable
        await CorruptEventAsync(store, "order-1", 3);

        // Then a full read fails with an error naming the order, and so does a load before the first snapshot...
        var error = await Assert.ThrowsAsync<CorruptDocumentException>(() => store.LoadAsync("order-1"));
        Assert.Contains("order-1", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CorruptDocumentException>(() => store.LoadOrderAsync("order-1", 40));

        // ...but loads from a snapshot never read event 3 and still give the same order
        Assert.Equal(before, Observe((await store.LoadOrderAsync("order-1"))!));
        Assert.Equal(at75, Observe((await store.LoadOrderAsync("order-1", 75))!));
    }

    [Fact]
    public async Task AppendOnce_AppendsAnEventTypeOnlyOnce()
    {
        // Given a placed order
        var store = await CreateStoreAsync(snapshotEvery: 50);
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));

        // When OrderConfirmed is appended once, twice
        await store.AppendOnceAsync("order-1", new OrderConfirmed());
        var order = await store.AppendOnceAsync("order-1", new OrderConfirmed());

        // Then it is in the stream once
        Assert.Equal((2, OrderStatus.Confirmed), (order.Version, order.Status));
        Assert.Single(await store.LoadAsync("order-1"), e => e.Type == nameof(OrderConfirmed));
    }

    [Fact]
    public async Task EveryAppendedEvent_IsWrittenAsAnOutboxEnvelope_WithItsOrderCustomerAndVersion()
    {
        // Given a placed order, then two more events in one append
        var store = await CreateStoreAsync();
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));
        await store.AppendAsync("order-1", 1, [new StockReserved(), new PaymentCharged(25.5m)]);

        // When the outbox is read
        var outbox = await OutboxAsync(store, "order-1");

        // Then there is one envelope per event, in order, with a stable message id, its causation and the published event
        Assert.Equal(
            [("order-1:1", nameof(OrderPlaced), null), ("order-1:2", nameof(StockReserved), "order-1:1"), ("order-1:3", nameof(PaymentCharged), "order-1:2")],
            outbox.Select(e => (e.MessageId, e.Type, e.CausationId)));
        Assert.All(outbox, e => Assert.Equal((OrderEventPublished.Topic, "order-1", "order-1"), (e.Topic, e.Subject, e.CorrelationId)));
        var charged = outbox[2].Data;
        Assert.Equal(("order-1", "alice", 3), (charged.GetProperty("orderId").GetString(), charged.GetProperty("customerId").GetString(), charged.GetProperty("version").GetInt32()));
        Assert.Equal(25.5m, charged.GetProperty("event").GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task ASagaStart_IsPendingWithItsEvents_UntilCompleted()
    {
        // Given two orders placed with their saga starts, and a third without one
        var store = await CreateStoreAsync();
        var first = new SagaStart("order-1", "OrderSaga", "order-1", """{"orderId":"order-1"}""");
        var second = new SagaStart("order-2", "OrderSaga", "order-2", """{"orderId":"order-2"}""");
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null), sagaStart: first);
        await store.AppendAsync("order-2", 0, [Placed], newStream: ("alice", null), sagaStart: second);
        await store.AppendAsync("order-3", 0, [Placed], newStream: ("alice", null));

        // Then both starts are pending, oldest first
        Assert.Equal([first, second], await store.PendingSagaStartsAsync());

        // When the first is completed (twice: a retry)
        await store.CompleteSagaStartAsync("order-1");
        await store.CompleteSagaStartAsync("order-1");

        // Then only the second is pending, and the first order's stream is unchanged
        Assert.Equal([second], await store.PendingSagaStartsAsync());
        Assert.Equal([1], (await store.LoadAsync("order-1")).Select(e => e.Version));
    }

    [Fact]
    public async Task AnIdempotencyKey_NamesTheFirstOrder_AndASecondOrderWithItIsRefused()
    {
        // Given order-1 placed by alice with key k-1
        var store = await CreateStoreAsync();
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", "k-1"));

        // When order-2 is placed with the same key by alice
        await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() => store.AppendAsync("order-2", 0, [Placed], newStream: ("alice", "k-1")));

        // Then the key still names order-1, order-2 was not written, and bob's k-1 is his own
        Assert.Equal("order-1", await store.FindByIdempotencyKeyAsync("alice", "k-1"));
        Assert.Empty(await store.LoadAsync("order-2"));
        Assert.Equal(["order-1"], await store.ListAsync("alice"));
        Assert.Null(await store.FindByIdempotencyKeyAsync("bob", "k-1"));
        await store.AppendAsync("order-3", 0, [Placed with { CustomerId = "bob" }], newStream: ("bob", "k-1"));
        Assert.Equal("order-3", await store.FindByIdempotencyKeyAsync("bob", "k-1"));
    }

    [Theory]
    [InlineData("a/b with ? and #")]
    [InlineData("sha256:looks-hashed")]
    [InlineData("")]
    public async Task AnyIdempotencyKey_IsKeptAsGiven(string key)
    {
        // Given an order placed with a key that could not be a document id as it is (or looks like a hashed one)
        var store = await CreateStoreAsync();
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", key));

        // Then that key, and only that key, finds it
        Assert.Equal("order-1", await store.FindByIdempotencyKeyAsync("alice", key));
        Assert.Null(await store.FindByIdempotencyKeyAsync("alice", key + "x"));
    }

    [Fact]
    public async Task ListsACustomersOrders_NewestFirst()
    {
        var store = await CreateStoreAsync();
        foreach (var (id, customer) in new[] { ("order-1", "alice"), ("order-2", "bob"), ("order-3", "alice") })
        {
            await store.AppendAsync(id, 0, [Placed with { CustomerId = customer }], newStream: (customer, null));
            await store.AppendAsync(id, 1, [new StockReserved()]);
        }

        Assert.Equal(["order-3", "order-1"], await store.ListAsync("alice"));
        Assert.Equal(["order-2"], await store.ListAsync("bob"));
        Assert.Empty(await store.ListAsync("carol"));
    }

    [Fact]
    public async Task ACustomersOrders_InPages_AreTheFullList_NoneRepeatedOrSkipped_EvenWithOrdersPlacedMeanwhile()
    {
        var store = await CreateStoreAsync();
        for (var i = 1; i <= 5; i++)
        {
            await store.AppendAsync($"order-{i}", 0, [Placed], newStream: ("alice", null));
        }

        await store.AppendAsync("order-bob", 0, [Placed with { CustomerId = "bob" }], newStream: ("bob", null));
        var all = await store.ListAsync("alice");
        Assert.Equal(5, all.Count);

        for (var limit = 1; limit <= 6; limit++)
        {
            Assert.Equal(all, await WalkAsync(store, "alice", limit));
        }

        // An order placed between two page reads is newer than the position: the later pages neither repeat nor skip.
        var first = await store.ListAsync("alice", 2, null);
        Assert.Equal(all.Take(2), first.Items);
        await store.AppendAsync("order-new", 0, [Placed], newStream: ("alice", null));
        var rest = new List<string>();
        for (var next = first.Next; next is not null;)
        {
            var page = await store.ListAsync("alice", 2, next);
            rest.AddRange(page.Items);
            next = page.Next;
        }

        Assert.Equal(all.Skip(2), rest);
        Assert.Equal(new Serverless.BuildingBlocks.Http.Page<string>([], null).Items, (await store.ListAsync("carol", 10, null)).Items);
        Assert.Null((await store.ListAsync("alice", 6, null)).Next);
        await Assert.ThrowsAsync<FormatException>(() => store.ListAsync("alice", 2, "not a position"));
    }

    [Fact]
    public async Task AnEventRange_IsThoseVersions_InOrder()
    {
        var store = await CreateStoreAsync(snapshotEvery: 2);
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));
        await store.AppendAsync("order-1", 1, [new StockReserved(), new PaymentCharged(25.5m)]);
        await store.AppendAsync("order-1", 3, [new OrderConfirmed()]);

        Assert.Equal([2, 3], (await store.LoadRangeAsync("order-1", 1, 3)).Select(e => e.Version));
        Assert.Equal([1, 2, 3, 4], (await store.LoadRangeAsync("order-1", 0, 10)).Select(e => e.Version));
        Assert.Equal([4], (await store.LoadRangeAsync("order-1", 3, 4)).Select(e => e.Version));
        Assert.Empty(await store.LoadRangeAsync("order-1", 4, 8));
        Assert.Empty(await store.LoadRangeAsync("order-1", 2, 2));
        Assert.Empty(await store.LoadRangeAsync("no-such-order", 0, 5));
    }

    private static async Task<List<string>> WalkAsync(IOrderEventStore store, string customerId, int limit)
    {
        var ids = new List<string>();
        string? next = null;
        do
        {
            var page = await store.ListAsync(customerId, limit, next);
            Assert.InRange(page.Items.Count, page.Next is null ? 0 : limit, limit);
            ids.AddRange(page.Items);
            next = page.Next;
        }
        while (next is not null);
        return ids;
    }

    [Fact]
    public async Task CountByStatus_CountsEachOrderOnce_ByItsLatestStatus()
    {
        // Given orders pending (2), confirmed (1), cancelled while pending (1), confirmed then cancelled (1),
        // with cancellations and confirmations spread over several appends and snapshots on the way
        var store = await CreateStoreAsync(snapshotEvery: 2);
        Assert.Equal(new SagaStats(0, 0, 0), await store.CountByStatusAsync());
        await store.AppendAsync("pending-1", 0, [Placed], newStream: ("alice", null));
        await store.AppendAsync("pending-2", 0, [Placed, new StockReserved(), new CancellationRequested("alice")], newStream: ("alice", null));
        await store.AppendAsync("confirmed", 0, [Placed, new StockReserved()], newStream: ("bob", null));
        await store.AppendAsync("confirmed", 2, [new OrderConfirmed()]);
        await store.AppendAsync("cancelled", 0, [Placed], newStream: ("bob", null));
        await store.AppendAsync("cancelled", 1, [new StockReleased(), new OrderCancelled(CancellationReasons.OutOfStock)]);
        await store.AppendAsync("both", 0, [Placed, new OrderConfirmed()], newStream: ("carol", null));
        await store.AppendAsync("both", 2, [new CancellationRequested("carol")]);
        await store.AppendAsync("both", 3, [new StockReleased()]);
        await store.AppendAsync("both", 4, [new OrderCancelled(CancellationReasons.CancelledByCustomer)]);

        // When counted; Then each order counts once, under the status it has now
        Assert.Equal(new SagaStats(Pending: 2, Confirmed: 1, Cancelled: 2), await store.CountByStatusAsync());
    }

    [Fact]
    public async Task AnOversizedAppend_IsRefused_AndWritesNothing()
    {
        // Given a placed order
        var store = await CreateStoreAsync(snapshotEvery: 2);
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));
        var huge = new CancellationRequested(new string('x', StorageLimits.MaxDocumentBytes + 1));

        // When an append (that would also reach a snapshot) holds events of more than the limit, or a new order with a key does
        await Assert.ThrowsAsync<DocumentTooLargeException>(() => store.AppendAsync("order-1", 1, [huge]));
        await Assert.ThrowsAsync<DocumentTooLargeException>(() => store.AppendAsync("order-2", 0, [Placed, huge], newStream: ("alice", "k-1"), sagaStart: new SagaStart("order-2", "OrderSaga", "order-2", "{}")));

        // Then neither wrote anything: no event, envelope, snapshot, key or saga start, and the stream takes its next append
        Assert.Equal([1], (await store.LoadAsync("order-1")).Select(e => e.Version));
        Assert.Single(await OutboxAsync(store, "order-1"));
        Assert.Empty(await SnapshotVersionsAsync(store, "order-1"));
        Assert.Empty(await store.LoadAsync("order-2"));
        Assert.Empty(await OutboxAsync(store, "order-2"));
        Assert.Null(await store.FindByIdempotencyKeyAsync("alice", "k-1"));
        Assert.Empty(await store.PendingSagaStartsAsync());
        Assert.Equal(["order-1"], await store.ListAsync("alice"));
        await store.AppendAsync("order-1", 1, [new StockReserved()]);
        Assert.Equal(2, (await store.LoadOrderAsync("order-1"))!.Version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("what?")]
    public async Task AnIdNoStoreCanHold_LoadsNothing_AndCannotBeAppended(string orderId)
    {
        var store = await CreateStoreAsync();

        Assert.Empty(await store.LoadAsync(orderId));
        Assert.Null(await store.LoadOrderAsync(orderId));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(orderId, 0, [Placed], newStream: ("alice", null)));
    }

    /// <summary>
    /// A stream of <paramref name="count"/> events: placed, then reserve/release pairs, with the steps,
    /// confirmation, cancellation request, compensations and cancellation placed so that every part of
    /// the state has changed before a snapshot (Confirmed before 50, Cancelled with a reason before 100).
    /// </summary>
    protected static async Task AppendStreamAsync(IOrderEventStore store, string orderId, int count, int chunk)
    {
        ArgumentNullException.ThrowIfNull(store);
        var events = Enumerable.Range(1, count).Select(version => version switch
        {
            1 => Placed,
            30 => new PaymentCharged(25.5m),
            40 => new ShipmentBooked("Fast", "T-1"),
            49 => new OrderConfirmed(),
            60 => new CancellationRequested("alice"),
            70 => new PaymentRefunded(25.5m),
            80 => new ShipmentCancelled(),
            99 => new OrderCancelled(CancellationReasons.CancelledByCustomer),
            _ when version % 2 == 0 => new StockReserved(),
            _ => (IOrderEvent)new StockReleased(),
        }).ToList();

        for (var start = 0; start < count; start += chunk)
        {
            await store.AppendAsync(orderId, start, events.Skip(start).Take(chunk).ToList(), newStream: start == 0 ? ("alice", null) : null);
        }
    }

    private static async Task AssertSameAsFullReplayAsync(IOrderEventStore store, string orderId, int version)
    {
        var replayed = Order.Rehydrate(orderId, await store.LoadAsync(orderId, version));
        var loaded = await store.LoadOrderAsync(orderId, version);
        Assert.Equal(Observe(replayed!), Observe(loaded!));
    }

    /// <summary>Every property of the order a caller can observe, as one comparable string.</summary>
    private static string Observe(Order order) => JsonSerializer.Serialize(new
    {
        order.Id,
        order.CustomerId,
        order.Status,
        order.Items,
        order.Total,
        order.ShippingAddress,
        order.CancellationReason,
        order.Version,
        order.PlacedAt,
        order.UpdatedAt,
        order.CancellationRequested,
        order.CanRequestCancellation,
        Happened = EventTypeNames.Where(order.Has).ToArray(),
    });

    private static async Task<Exception?> TryAppend(IOrderEventStore store, string orderId, int expectedVersion, params IOrderEvent[] events)
    {
        try
        {
            await store.AppendAsync(orderId, expectedVersion, events);
            return null;
        }
        catch (ConcurrencyException ex)
        {
            return ex;
        }
    }
}
