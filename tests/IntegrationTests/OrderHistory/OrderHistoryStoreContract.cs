using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.OrderHistory.Parking;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Rebuilding;
using static Serverless.IntegrationTests.OrderHistory.HistoryEvents;

namespace Serverless.IntegrationTests.OrderHistory;

/// <summary>
/// What every <see cref="IOrderHistoryStore"/> adapter must do. An adapter's test class supplies a
/// fresh, empty store and a back door to damage a stored view.
/// </summary>
public abstract class OrderHistoryStoreContract
{
    protected Task<IOrderHistoryStore> CreateStoreAsync() => CreateStoreAsync(null);

    /// <summary>A fresh, empty store whose projection is <paramref name="apply"/> (null: the real one).</summary>
    protected abstract Task<IOrderHistoryStore> CreateStoreAsync(ApplyEvent? apply);

    /// <summary>The same stored data under another projection: the fix deployed (null: the real one).</summary>
    protected abstract IOrderHistoryStore Reopen(IOrderHistoryStore store, ApplyEvent? apply);

    /// <summary>Makes the stored view of <paramref name="orderId"/> unreadable, behind the store's back.</summary>
    protected abstract Task CorruptAsync(IOrderHistoryStore store, string orderId);

    [Fact]
    public async Task AppliedBatch_ListsTheCustomersOrders_NewestFirst_WithTimelinesOldestFirst()
    {
        // Given two confirmed orders of alice's, the second placed later, and a cancelled one of bob's
        var store = await CreateStoreAsync();
        var batch = Confirmed("order-a", "alice", 19.98m).Concat(Confirmed("order-b", "alice", 5m, minute: 10))
            .Append(Placed("order-c", "bob", 1m)).Append(FromOrders("OrderCancelled", "order-c", "bob", 2)).ToList();

        // When applied as one batch
        var applied = await store.ApplyAsync(batch);

        // Then every event but Orders' copies of PaymentCharged counted, and alice sees her two orders as the view derives them
        Assert.Equal(batch.Count - 2, applied);
        var alice = await store.ForCustomerAsync("alice");
        Assert.Equal(["order-b", "order-a"], alice.Select(v => v.OrderId));
        var a = alice[1];
        Assert.Equal(("Confirmed", (decimal?)19.98m, T0.AddMinutes(4)), (a.Status, a.Total, a.UpdatedAt));
        Assert.Equal(["OrderPlaced", "StockReserved", "PaymentCharged", "OrderConfirmed", "ShipmentBooked"], a.Timeline.Select(t => t.Type));
        Assert.Equal("Cancelled", Assert.Single(await store.ForCustomerAsync("bob")).Status);
    }

    [Fact]
    public async Task ACustomersOrders_InPages_AreTheFullList_NoneRepeatedOrSkipped()
    {
        // Given five orders of alice's, two of them updated at the same minute (the id breaks the tie), and one of bob's
        var store = await CreateStoreAsync();
        await store.ApplyAsync([
            Placed("order-1", "alice", 1m, minute: 1), Placed("order-2", "alice", 2m, minute: 3), Placed("order-3", "alice", 3m, minute: 3),
            Placed("order-4", "alice", 4m, minute: 2), Placed("order-5", "alice", 5m, minute: 9), Placed("order-6", "bob", 6m, minute: 4)]);
        var all = (await store.ForCustomerAsync("alice")).Select(v => v.OrderId).ToList();
        Assert.Equal(["order-5", "order-2", "order-3", "order-4", "order-1"], all);

        for (var limit = 1; limit <= 6; limit++)
        {
            var walked = new List<string>();
            string? next = null;
            do
            {
                var page = await store.ForCustomerAsync("alice", limit, next);
                Assert.InRange(page.Items.Count, page.Next is null ? 0 : limit, limit);
                Assert.All(page.Items, v => Assert.NotEmpty(v.Timeline));
                walked.AddRange(page.Items.Select(v => v.OrderId));
                next = page.Next;
            }
            while (next is not null);
            Assert.Equal(all, walked);
        }

        Assert.Empty((await store.ForCustomerAsync("carol", 10, null)).Items);
        await Assert.ThrowsAsync<FormatException>(() => store.ForCustomerAsync("alice", 2, "not a position"));
    }

    [Fact]
    public async Task ARedeliveredBatch_ChangesNothing()
    {
        // Given a batch applied
        var store = await CreateStoreAsync();
        var batch = Confirmed("order-a", "alice", 19.98m);
        await store.ApplyAsync(batch);
        var before = await store.ReadAllAsync();

        // When the same batch comes again, and again in a different order
        var again = await store.ApplyAsync(batch);
        var shuffled = await store.ApplyAsync([.. batch.Reverse()]);

        // Then nothing was applied and the model is the same
        Assert.Equal((0, 0), (again, shuffled));
        Assert.True(OrderHistoryView.SameModel(before, await store.ReadAllAsync()));
        Assert.Equal(5, Assert.Single(await store.ForCustomerAsync("alice")).Timeline.Count);
    }

    [Fact]
    public async Task ConcurrentAppliesOfDifferentEvents_ToOneOrder_LoseNone()
    {
        // Given an order placed
        var store = await CreateStoreAsync();
        await store.ApplyAsync([Placed("order-a", "alice", 10m)]);

        // When 24 events about it are applied at once, each in its own batch, some delivered twice
        var events = Enumerable.Range(1, 24).Select(i => FromOrders($"Step{i:D2}", "order-a", "alice", i)).ToList();
        var results = await Task.WhenAll(events.Concat(events.Take(6)).Select(e => Task.Run(() => store.ApplyAsync([e]))));

        // Then every event is on the timeline exactly once
        Assert.Equal(24, results.Sum());
        var view = Assert.Single(await store.ForCustomerAsync("alice"));
        Assert.Equal(25, view.Timeline.Count);
        Assert.Equal(events.Select(e => e.Type).Prepend("OrderPlaced"), view.Timeline.Select(t => t.Type));
    }

    [Fact]
    public async Task ACustomer_SeesOnlyTheirOwnOrders()
    {
        var store = await CreateStoreAsync();
        await store.ApplyAsync([Placed("order-a", "alice", 1m), Placed("order-b", "bob", 2m), Booked("order-x", 1)]);

        Assert.Equal(["order-a"], (await store.ForCustomerAsync("alice")).Select(v => v.OrderId));
        Assert.Equal(["order-b"], (await store.ForCustomerAsync("bob")).Select(v => v.OrderId));
        Assert.Empty(await store.ForCustomerAsync("carol"));
        Assert.Empty(await store.ForCustomerAsync("a/b"));

        // And the whole model holds every order, the one whose placement has not arrived yet included
        Assert.Equal(["order-a", "order-b", "order-x"], (await store.ReadAllAsync()).Select(v => v.OrderId).Order());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("what?")]
    public async Task AnOrderIdNoStoreCanHold_RefusesTheWholeBatch_AndChangesNothing(string orderId)
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.ApplyAsync([Placed("order-a", "alice", 1m), Placed(orderId, "alice", 1m)]));

        Assert.Empty(await store.ReadAllAsync());
    }

    [Fact]
    public async Task AMalformedStoredView_FailsWithAClearError_AndIsNotOverwritten()
    {
        // Given a view damaged behind the store's back
        var store = await CreateStoreAsync();
        await store.ApplyAsync([Placed("order-a", "alice", 1m), Placed("order-b", "alice", 2m, minute: 1)]);
        await CorruptAsync(store, "order-a");

        // When the customer's history is read, or an event for that order applied
        var read = await Assert.ThrowsAsync<CorruptDocumentException>(() => store.ForCustomerAsync("alice"));
        var apply = await Assert.ThrowsAsync<CorruptDocumentException>(() => store.ApplyAsync([FromOrders("OrderConfirmed", "order-a", "alice", 5)]));

        // Then both name the order
        Assert.Contains("order-a", read.Message, StringComparison.Ordinal);
        Assert.Contains("order-a", apply.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceWith_SwapsTheRebuiltModelIn_KeepingEventsThatArrivedSinceTheReplay()
    {
        // Given a live model with order-a placed, a confirmation of it and an order-z that arrived after the replay
        var store = await CreateStoreAsync();
        var placedA = Placed("order-a", "alice", 19.98m);
        var lateConfirmation = FromOrders("OrderConfirmed", "order-a", "alice", 9);
        var lateOrder = Placed("order-z", "alice", 3m, minute: 8);
        var wrong = Placed("order-w", "alice", 7m);
        await store.ApplyAsync([placedA, lateConfirmation, lateOrder, wrong]);

        // And a rebuild that read order-a's placement and reservation, and order-w's placement, which it does not take
        var reserved = FromOrders("StockReserved", "order-a", "alice", 1);
        var rebuiltA = new OrderHistoryView("order-a");
        rebuiltA.Apply(placedA);
        rebuiltA.Apply(reserved);

        // When it is swapped in
        await store.ReplaceWithAsync([rebuiltA], new HashSet<string> { placedA.MessageId, reserved.MessageId, wrong.MessageId });

        // Then order-a is the rebuilt one plus the late confirmation, order-z stays, order-w is gone
        var alice = await store.ForCustomerAsync("alice");
        Assert.Equal(["order-a", "order-z"], alice.Select(v => v.OrderId));
        Assert.Equal(["OrderPlaced", "StockReserved", "OrderConfirmed"], alice[0].Timeline.Select(t => t.Type));

        // And the replayed events, when the live feed delivers them, change nothing
        Assert.Equal(0, await store.ApplyAsync([placedA, reserved]));
    }

    [Fact]
    public async Task Rebuild_EqualsTheLiveModel_AndASwapWhileEventsFlow_LosesNone()
    {
        // Given a live model fed with two orders' events, which the sources' feeds also hold
        var store = await CreateStoreAsync();
        var feeds = new FakeReplay(Confirmed("order-a", "alice", 19.98m).Concat(Confirmed("order-b", "bob", 5m, minute: 3)));
        await store.ApplyAsync(feeds.All);
        var rebuilder = new HistoryRebuilder(feeds, store, NullLogger<HistoryRebuilder>.Instance);

        // When rebuilt without a swap, then with one while an event arrives live just after the replay read the feeds
        var dryRun = await rebuilder.RebuildAsync(swap: false, CancellationToken.None);
        var late = FromOrders("OrderCancelled", "order-b", "bob", 20);
        feeds.AfterReading = () => store.ApplyAsync([late]);
        var swapped = await rebuilder.RebuildAsync(swap: true, CancellationToken.None);

        // Then the rebuild equalled the live model, and the swap kept the live event
        Assert.Equal(new RebuildResult(2, 12, true, false), dryRun);
        Assert.True(swapped.Swapped);
        Assert.Equal("Cancelled", Assert.Single(await store.ForCustomerAsync("bob")).Status);
        Assert.Equal(5, Assert.Single(await store.ForCustomerAsync("alice")).Timeline.Count);
    }

    [Fact]
    public async Task ASwap_WhileOrdersFlow_LosesNoEvent_EveryTimelineCompleteAndEveryStatusRight()
    {
        // Given a live model fed with four orders' events, which the sources' feeds also hold
        var store = await CreateStoreAsync();
        var feeds = new FakeReplay(Enumerable.Range(1, 4).SelectMany(i => Confirmed($"order-{i}", "alice", i, minute: i)));
        await store.ApplyAsync(feeds.All);
        var rebuilder = new HistoryRebuilder(feeds, store, NullLogger<HistoryRebuilder>.Instance);

        // And orders that keep flowing while the rebuild runs: after it read each source, the sources raise new
        // events (for orders it read and for new ones) and live applies them at once...
        var raisedLive = new List<IntegrationEvent>();
        var lagging = new List<IntegrationEvent>();
        feeds.AfterReadingEach = async source =>
        {
            var step = Array.IndexOf([.. HistorySources.All], source);
            IReadOnlyList<IntegrationEvent> raised =
            [
                FromOrders("OrderCancelled", $"order-{step + 1}", "alice", 30 + step),
                Placed($"order-new-{step}", "bob", 10m + step, minute: 40 + step),
                Charged($"order-new-{step}", "bob", 41 + step),
                Booked($"order-{step + 2}", 45 + step),
            ];
            feeds.Raise(raised);
            raisedLive.AddRange(raised);
            await store.ApplyAsync(raised);

            // ...and some the live consumer applies only after the swap (a lagging consumer): one in a feed the rebuild
            // has read, one in Shipping's, which it reads last (so for the first two steps the rebuild has it too)
            IReadOnlyList<IntegrationEvent> late = [FromOrders("StockReserved", $"order-new-{step}", "bob", 42 + step), Booked($"order-new-{step}", 43 + step)];
            feeds.Raise(late);
            lagging.AddRange(late);
        };

        // When swapped in while live keeps applying events (in flight during the swap), then live catches up
        var duringSwap = Enumerable.Range(1, 4).Select(i => FromOrders("OrderConfirmed", $"order-new-{i % 3}", "bob", 60 + i))
            .Append(Placed("order-last", "carol", 9m, minute: 70)).ToList();
        var swapping = rebuilder.RebuildAsync(swap: true, CancellationToken.None);
        foreach (var e in duringSwap)
        {
            feeds.Raise([e]);
            await store.ApplyAsync([e]);
        }

        var result = await swapping;
        await store.ApplyAsync(lagging);

        // Then every event ever raised is on its order's timeline once, and every status follows from them
        Assert.True(result.Swapped);
        var expected = feeds.All.Where(OrderHistoryView.Counts).GroupBy(e => e.Subject)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.At).ThenBy(e => e.Type, StringComparer.Ordinal).Select(e => e.MessageId).ToList());
        var model = await store.ReadAllAsync();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), model.Select(v => v.OrderId).Order(StringComparer.Ordinal));
        Assert.All(model, v => Assert.Equal(expected[v.OrderId], v.Applied.Select(e => e.MessageId)));
        var statuses = model.ToDictionary(v => v.OrderId, v => v.Status);
        Assert.Equal(["Cancelled", "Cancelled", "Cancelled", "Confirmed"], Enumerable.Range(1, 4).Select(i => statuses[$"order-{i}"]));
        Assert.Equal(["Confirmed", "Confirmed", "Confirmed"], Enumerable.Range(0, 3).Select(i => statuses[$"order-new-{i}"]));
        Assert.Equal("Pending", statuses["order-last"]);
        Assert.Equal(10m, model.Single(v => v.OrderId == "order-new-0").Total);
        Assert.NotEmpty(raisedLive);

        // And a second rebuild finds the swapped-in model equal to what the feeds hold
        feeds.AfterReadingEach = null;
        Assert.True((await rebuilder.RebuildAsync(swap: false, CancellationToken.None)).MatchesLive);
    }

    [Fact]
    public async Task APoisonEvent_IsParkedOnce_AndTheOtherEventsOfTheBatchApply()
    {
        // Given a projection with a bug that throws on one event, order-a's reservation
        var batch = Confirmed("order-a", "alice", 19.98m).Concat(Confirmed("order-b", "alice", 5m, minute: 10)).Append(Placed("order-c", "bob", 1m, minute: 20)).ToList();
        var poison = batch[1];
        var store = await CreateStoreAsync(FailingOn(poison.MessageId));

        // When the batch is applied
        await store.ApplyAsync(batch);

        // Then every other event is applied, and the poison one is parked with what an admin needs to see
        await AssertAppliedAllBut(store, batch, poison);
        var parked = Assert.Single(await store.ParkedAsync());
        Assert.Equal((poison.MessageId, "orders", "order-a", "StockReserved", PoisonIsolation.Attempts), (parked.MessageId, parked.Source, parked.OrderId, parked.Type, parked.Attempts));
        Assert.Contains("a bug in the projection", parked.Error, StringComparison.Ordinal);
        Assert.Equal(poison.MessageId, System.Text.Json.JsonDocument.Parse(parked.Event).RootElement.GetProperty("messageId").GetString());

        // And when the batch is delivered again, and later events of other orders arrive, they apply and the poison is parked no second time
        await store.ApplyAsync(batch);
        await store.ApplyAsync([Placed("order-d", "bob", 2m, minute: 30), FromOrders("OrderConfirmed", "order-c", "bob", 31)]);
        Assert.Equal(parked, Assert.Single(await store.ParkedAsync()));
        await AssertAppliedAllBut(store, batch, poison);
        Assert.Equal(["order-c", "order-d"], (await store.ForCustomerAsync("bob")).Select(v => v.OrderId).Order());
        Assert.Equal("Confirmed", (await store.ForCustomerAsync("bob")).Single(v => v.OrderId == "order-c").Status);
    }

    [Fact]
    public async Task AFailureThatPassesOnRetry_IsNotParked()
    {
        // Given a projection that fails once on order-a's reservation (a passing fault), then works
        var batch = Confirmed("order-a", "alice", 19.98m).Append(Placed("order-b", "alice", 1m, minute: 9)).ToList();
        var failures = 0;
        var store = await CreateStoreAsync((view, e) =>
            e.MessageId == batch[1].MessageId && Interlocked.Increment(ref failures) == 1 ? throw new InvalidOperationException("passing fault") : view.Apply(e));

        // When the batch is applied
        await store.ApplyAsync(batch);

        // Then it all applied, nothing is parked
        Assert.Empty(await store.ParkedAsync());
        Assert.Equal(5, (await store.ForCustomerAsync("alice")).Single(v => v.OrderId == "order-a").Timeline.Count);
        Assert.True(failures >= 2, $"{failures} tries");
    }

    [Fact]
    public async Task ARebuildAfterTheFix_AppliesTheParkedEvent_AndClearsIt()
    {
        // Given a live model fed by a projection that parked order-a's confirmation, the sources' feeds holding every event
        var feeds = new FakeReplay(Confirmed("order-a", "alice", 19.98m).Concat(Confirmed("order-b", "bob", 5m, minute: 3)));
        var poison = feeds.All[4];
        var buggy = await CreateStoreAsync(FailingOn(poison.MessageId));
        await buggy.ApplyAsync(feeds.All);
        Assert.Equal("Pending", Assert.Single(await buggy.ForCustomerAsync("alice")).Status);
        Assert.Equal(poison.MessageId, Assert.Single(await buggy.ParkedAsync()).MessageId);

        // When the fix is deployed and the model rebuilt with a swap
        var fixedStore = Reopen(buggy, null);
        var result = await new HistoryRebuilder(feeds, fixedStore, NullLogger<HistoryRebuilder>.Instance).RebuildAsync(swap: true, CancellationToken.None);

        // Then the parked event's effect is in the view, nothing is parked, and the feed delivering it again changes nothing
        Assert.False(result.MatchesLive);
        var a = Assert.Single(await fixedStore.ForCustomerAsync("alice"));
        Assert.Equal(("Confirmed", 5), (a.Status, a.Timeline.Count));
        Assert.Empty(await fixedStore.ParkedAsync());
        Assert.Equal(0, await fixedStore.ApplyAsync([poison]));
        Assert.True((await new HistoryRebuilder(feeds, fixedStore, NullLogger<HistoryRebuilder>.Instance).RebuildAsync(swap: false, CancellationToken.None)).MatchesLive);
    }

    /// <summary>The real projection, with a bug that throws on one event.</summary>
    protected static ApplyEvent FailingOn(string messageId) =>
        (view, e) => e.MessageId == messageId ? throw new InvalidOperationException("a bug in the projection") : view.Apply(e);

    private static async Task AssertAppliedAllBut(IOrderHistoryStore store, IEnumerable<IntegrationEvent> batch, IntegrationEvent poison)
    {
        var expected = batch.Where(OrderHistoryView.Counts).Where(e => e.MessageId != poison.MessageId).Select(e => e.MessageId).Order(StringComparer.Ordinal);
        var applied = (await store.ReadAllAsync()).SelectMany(v => v.Applied).Select(e => e.MessageId).Where(id => batch.Any(e => e.MessageId == id));
        Assert.Equal(expected, applied.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The sources' feeds: every event under its topic's source, each read as its feed holds it at that moment;
    /// hooks run after each source was read and once all were.
    /// </summary>
    private sealed class FakeReplay(IEnumerable<IntegrationEvent> events) : ISourceReplay
    {
        private readonly List<IntegrationEvent> _all = [.. events];
        private readonly Lock _gate = new();

        public IReadOnlyList<IntegrationEvent> All
        {
            get
            {
                lock (_gate)
                {
                    return [.. _all];
                }
            }
        }

        public Func<Task>? AfterReading { get; set; }

        public Func<HistorySource, Task>? AfterReadingEach { get; set; }

        /// <summary>A source raises events: they are at the end of its feed from now on.</summary>
        public void Raise(IEnumerable<IntegrationEvent> raised)
        {
            lock (_gate)
            {
                _all.AddRange(raised);
            }
        }

        public async IAsyncEnumerable<IReadOnlyList<IntegrationEvent>> ReadAsync(HistorySource source,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var page in All.Where(e => e.Topic == source.Service).Chunk(4))
            {
                yield return page;
            }

            if (AfterReadingEach is { } each)
            {
                await each(source);
            }

            if (source == HistorySources.All[^1] && AfterReading is { } hook)
            {
                await hook();
            }
        }
    }
}
