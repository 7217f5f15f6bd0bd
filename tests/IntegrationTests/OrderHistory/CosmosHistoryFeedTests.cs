using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;
using Serverless.OrderHistory;
using Serverless.OrderHistory.Parking;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Rebuilding;
using Serverless.OrderHistory.Storage.Cosmos;
using static Serverless.IntegrationTests.OrderHistory.HistoryEvents;

namespace Serverless.IntegrationTests.OrderHistory;

/// <summary>
/// The history fed in Cosmos: the sources' containers (documents carrying an <c>events</c> array, as the
/// services' stores write them) -> change feed processors with leases in the history's <c>leases</c>
/// container -> the <c>history</c> container; and a rebuild from the same feeds with the pull model.
/// </summary>
[Collection("cosmos")]
public sealed class CosmosHistoryFeedTests(CosmosServerFixture cosmos)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EventsSavedInTheSourceContainers_ReachTheHistory_AndTheLagIsReportedUntilTheyAreApplied()
    {
        // Given the sources, an empty history fed by their change feeds, and a store that holds batches until released
        var (sources, leases, history) = await CreateLayoutAsync();
        var lag = new ProjectionLag(TimeProvider.System);
        var store = new GatedStore(history);
        var feed = new CosmosHistoryFeed(sources, leases, store, lag, NullLoggerFactory.Instance, pollInterval: TimeSpan.FromMilliseconds(50));
        await feed.StartAsync(CancellationToken.None);
        try
        {
            // When an order's events, raised ten minutes ago, are saved by Orders, Payments and Shipping
            var events = Confirmed("order-a", "alice", 19.98m).Select(e => e with { At = DateTimeOffset.UtcNow.AddMinutes(-10) }).ToList();
            await SaveAsync(sources, events);

            // Then while a batch is being applied the history reports being at least ten minutes behind
            await store.FirstBatch.Task.WaitAsync(Deadline);
            Assert.True(lag.Milliseconds() >= TimeSpan.FromMinutes(10).TotalMilliseconds, $"lag {lag.Milliseconds()} ms");

            // And once released, the order is in the history with its whole timeline, and the lag goes back to 0
            store.Release();
            var view = await Until(async () => (await history.ForCustomerAsync("alice")).SingleOrDefault(v => v.Timeline.Count == 5));
            Assert.Equal(("Confirmed", (decimal?)19.98m), (view.Status, view.Total));
            await Until(() => Task.FromResult(lag.Milliseconds() == 0 ? "caught up" : null));
        }
        finally
        {
            await feed.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AProcessorKilledMidBatch_ResumesFromItsLease_AndAppliesNothingTwice()
    {
        // Given 4 orders' events saved in a source container, 3 documents per order
        var (sources, leases, history) = await CreateLayoutAsync();
        var charges = sources(HistorySources.All[1]);
        var events = new List<IntegrationEvent>();
        foreach (var order in new[] { "order-a", "order-b", "order-c", "order-d" })
        {
            foreach (var minute in new[] { 0, 1, 2 })
            {
                var e = FromSource("payments", $"Step{minute}", order, minute);
                await EventDocuments.SaveAsync(charges, "orderId", order, [e]);
                events.Add(e);
            }
        }

        // When a processor applies the first half of its batch and dies (throws) before the batch is checkpointed, and is stopped
        var killed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = new CosmosEventFeedProcessor("history-payments", charges, leases, async (batch, ct) =>
        {
            await history.ApplyAsync([.. batch.Take(batch.Count / 2)], ct);
            killed.TrySetResult(batch.Count / 2);
            throw new InvalidOperationException("killed mid-batch");
        }, NullLogger.Instance, pollInterval: TimeSpan.FromMilliseconds(50));
        await first.StartAsync(CancellationToken.None);
        var appliedBeforeDying = await killed.Task.WaitAsync(Deadline);
        await first.StopAsync(CancellationToken.None);

        // And a new processor starts on the same lease container
        var delivered = new ConcurrentBag<string>();
        var second = new CosmosEventFeedProcessor("history-payments", charges, leases, async (batch, ct) =>
        {
            foreach (var e in batch)
            {
                delivered.Add(e.MessageId);
            }

            await history.ApplyAsync(batch, ct);
        }, NullLogger.Instance, pollInterval: TimeSpan.FromMilliseconds(50));
        await second.StartAsync(CancellationToken.None);
        try
        {
            // Then it is handed the unfinished batch again, from the lease's checkpoint, and applies it
            await Until(async () => (await history.ReadAllAsync()).Sum(v => v.Applied.Count) >= events.Count ? "all applied" : null);
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
        }

        // And every event is applied exactly once: no duplicates on any timeline, the count matches
        Assert.True(appliedBeforeDying > 0);
        Assert.Equal(events.Select(e => e.MessageId).Order(), delivered.Order());
        var model = await history.ReadAllAsync();
        var applied = model.SelectMany(v => v.Applied).Select(e => e.MessageId).ToList();
        Assert.Equal(events.Count, applied.Count);
        Assert.Equal(events.Select(e => e.MessageId).Order(), applied.Order());
        Assert.All(model, v => Assert.Equal(["Step0", "Step1", "Step2"], v.Timeline.Select(t => t.Type)));
    }

    [Fact]
    public async Task Rebuild_ReadsTheSourceContainersFromTheBeginning_EqualsTheLiveModel_AndSwapsIn()
    {
        // Given two orders' events in the sources, and a live model that has them all
        var (sources, _, history) = await CreateLayoutAsync();
        var events = Confirmed("order-a", "alice", 19.98m).Concat(Confirmed("order-b", "bob", 5m, minute: 3)).ToList();
        await SaveAsync(sources, events);
        await history.ApplyAsync(events);
        var rebuilder = new HistoryRebuilder(new CosmosSourceReplay(sources), history, NullLogger<HistoryRebuilder>.Instance);

        // When rebuilt from the change feeds, and swapped in
        var result = await rebuilder.RebuildAsync(swap: true, CancellationToken.None);

        // Then every event was read, the rebuilt model equals the live one, and the live one still answers the same
        Assert.Equal(new RebuildResult(2, events.Count, true, true), result);
        Assert.Equal(5, Assert.Single(await history.ForCustomerAsync("bob")).Timeline.Count);
    }

    [Fact]
    public async Task ARebuildSwap_WhileOrdersFlowThroughTheLiveFeed_LosesNoEvent()
    {
        // Given ten orders in the sources, and a live history fed by their change feeds that has them all
        var (sources, leases, history) = await CreateLayoutAsync();
        var saved = new ConcurrentQueue<IntegrationEvent>(Enumerable.Range(0, 10).SelectMany(i => Confirmed($"order-{i}", "alice", i + 1m, minute: i)));
        await SaveAsync(sources, saved);
        var feed = new CosmosHistoryFeed(sources, leases, history, new ProjectionLag(TimeProvider.System), NullLoggerFactory.Instance, pollInterval: TimeSpan.FromMilliseconds(50));
        await feed.StartAsync(CancellationToken.None);
        try
        {
            await UntilAllApplied(history, saved);

            // When orders keep flowing (every other one cancelled, some old ones cancelled too) from before a rebuild with swap until after it
            using var stop = new CancellationTokenSource();
            var flowing = Task.Run(async () =>
            {
                var n = 0;
                for (; !stop.IsCancellationRequested || n < 6; n++)
                {
                    IReadOnlyList<IntegrationEvent> order = n % 2 == 0
                        ? Confirmed($"order-flow-{n}", "bob", n, minute: 20 + n)
                        : [Placed($"order-flow-{n}", "bob", n, minute: 20 + n), FromOrders("OrderCancelled", $"order-flow-{n}", "bob", 21 + n)];
                    IReadOnlyList<IntegrationEvent> raised = n < 10 ? [.. order, FromOrders("OrderCancelled", $"order-{n}", "alice", 40 + n)] : order;
                    await SaveAsync(sources, raised);
                    foreach (var e in raised)
                    {
                        saved.Enqueue(e);
                    }
                }

                return n;
            });
            var result = await new HistoryRebuilder(new CosmosSourceReplay(sources), history, NullLogger<HistoryRebuilder>.Instance).RebuildAsync(swap: true, CancellationToken.None);
            await stop.CancelAsync();
            var flowed = await flowing;

            // Then, once live has caught up, the history holds every event saved, each once, on its order's timeline
            Assert.True(result.Swapped);
            var model = await UntilAllApplied(history, saved);
            var expected = new Dictionary<string, OrderHistoryView>(StringComparer.Ordinal);
            foreach (var e in saved.Where(OrderHistoryView.Counts))
            {
                (expected.TryGetValue(e.Subject, out var view) ? view : expected[e.Subject] = new OrderHistoryView(e.Subject)).Apply(e);
            }

            Assert.True(OrderHistoryView.SameModel(expected.Values, model));

            // And every status follows from them
            var statuses = model.ToDictionary(v => v.OrderId, v => v.Status);
            Assert.All(Enumerable.Range(0, flowed), n => Assert.Equal(n % 2 == 0 ? "Confirmed" : "Cancelled", statuses[$"order-flow-{n}"]));
            Assert.All(Enumerable.Range(0, 10), n => Assert.Equal(n < flowed ? "Cancelled" : "Confirmed", statuses[$"order-{n}"]));
        }
        finally
        {
            await feed.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task APoisonEventInTheChangeFeed_IsParked_TheOthersApply_AndTheLeaseMovesPastIt()
    {
        // Given the sources holding two orders' events, and a history whose projection has a bug that throws on one of them
        var (sources, leases, history) = await CreateLayoutAsync();
        var events = Confirmed("order-a", "alice", 19.98m).Concat(Confirmed("order-b", "bob", 5m, minute: 3)).ToList();
        var poison = events[4];
        var buggy = new CosmosOrderHistoryStore(history.Container, history.Parked, apply: (view, e) =>
            e.MessageId == poison.MessageId ? throw new InvalidOperationException("a bug in the projection") : view.Apply(e));
        await SaveAsync(sources, events);
        var feed = new CosmosHistoryFeed(sources, leases, buggy, new ProjectionLag(TimeProvider.System), NullLoggerFactory.Instance, pollInterval: TimeSpan.FromMilliseconds(50));
        await feed.StartAsync(CancellationToken.None);
        try
        {
            // When the feed delivers them, and later a new order arrives
            await Until(async () => (await history.ParkedAsync()).SingleOrDefault());
            var later = Placed("order-c", "carol", 3m, minute: 9);
            await SaveAsync(sources, [later]);

            // Then every other event is applied, the new order too, and the poison event is parked
            await UntilAllApplied(history, events.Where(e => e.MessageId != poison.MessageId).Append(later));
            Assert.Equal(poison.MessageId, Assert.Single(await history.ParkedAsync()).MessageId);
            Assert.Equal("Pending", Assert.Single(await history.ForCustomerAsync("alice")).Status);
        }
        finally
        {
            await feed.StopAsync(CancellationToken.None);
        }

        // And a processor started again on the same leases is not handed the poison event again: its batch was checkpointed
        var delivered = new ConcurrentBag<string>();
        var watching = new CosmosOrderHistoryStore(history.Container, history.Parked, apply: (view, e) =>
        {
            delivered.Add(e.MessageId);
            return view.Apply(e);
        });
        var restarted = new CosmosHistoryFeed(sources, leases, watching, new ProjectionLag(TimeProvider.System), NullLoggerFactory.Instance, pollInterval: TimeSpan.FromMilliseconds(50));
        await restarted.StartAsync(CancellationToken.None);
        try
        {
            var marker = Booked("order-c", 10);
            await SaveAsync(sources, [marker]);
            await Until(() => Task.FromResult(delivered.Contains(marker.MessageId) ? "delivered" : null));
            await Task.Delay(500);
            Assert.DoesNotContain(poison.MessageId, delivered);
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
        }

        // And once fixed, a rebuild applies it and clears it
        await new HistoryRebuilder(new CosmosSourceReplay(sources), history, NullLogger<HistoryRebuilder>.Instance).RebuildAsync(swap: true, CancellationToken.None);
        Assert.Equal("Confirmed", Assert.Single(await history.ForCustomerAsync("alice")).Status);
        Assert.Empty(await history.ParkedAsync());
    }

    [Fact]
    public async Task TheSourcesReplay_ReadsEveryPage_UntilTheFeedsCurrentEnd()
    {
        var (sources, _, _) = await CreateLayoutAsync();
        var shipments = sources(HistorySources.All[2]);
        var saved = new List<IntegrationEvent>();
        for (var i = 0; i < 1_200; i += 3)
        {
            var batch = Enumerable.Range(i, 3).Select(n => Booked($"order-{n % 40}", n)).ToList();
            await EventDocuments.SaveAsync(shipments, "orderId", $"order-{i % 40}", batch);
            saved.AddRange(batch);
        }

        var read = new List<IntegrationEvent>();
        await foreach (var page in new CosmosSourceReplay(sources).ReadAsync(HistorySources.All[2], CancellationToken.None))
        {
            read.AddRange(page);
        }

        Assert.Equal(saved.Select(e => e.MessageId).Order(), read.Select(e => e.MessageId).Order());
    }

    /// <summary>Fresh containers as the layout names them: the three sources, the history and its leases, in a database of the test's own.</summary>
    private async Task<(Func<HistorySource, Container> Sources, Container Leases, CosmosOrderHistoryStore History)> CreateLayoutAsync()
    {
        Database database = await cosmos.Client.CreateDatabaseAsync("history-" + Guid.NewGuid().ToString("N")[..10]);
        async Task<Container> Create(string service, string container)
        {
            var spec = CosmosLayout.Find(service, container);
            return (await database.CreateContainerAsync(new ContainerProperties($"{service}-{container}", spec.PartitionKeyPath))).Container;
        }

        var sources = new Dictionary<HistorySource, Container>();
        foreach (var source in HistorySources.All)
        {
            sources[source] = await Create(source.Service, source.Container);
        }

        var leases = await Create(OrderHistoryModule.Name, CosmosLayout.Leases);
        var history = new CosmosOrderHistoryStore(await Create(OrderHistoryModule.Name, "history"), await Create(OrderHistoryModule.Name, "parked"));
        return (s => sources[s], leases, history);
    }

    /// <summary>Each event in a document of its own in its source's container, partitioned as the layout says.</summary>
    private static async Task SaveAsync(Func<HistorySource, Container> sources, IEnumerable<IntegrationEvent> events)
    {
        foreach (var e in events)
        {
            var source = HistorySources.All.Single(s => s.Service == e.Topic);
            var partitionKey = CosmosLayout.Find(source.Service, source.Container).PartitionKeyPath.TrimStart('/');
            await EventDocuments.SaveAsync(sources(source), partitionKey, e.Subject, [e]);
        }
    }

    private static IntegrationEvent FromSource(string topic, string type, string orderId, int minute) =>
        IntegrationEvent.Create(topic, type, orderId, new { orderId, customerId = "alice" }, T0.AddMinutes(minute), messageId: $"{orderId}:{type}");

    /// <summary>Waits until the history has applied as many events as <paramref name="saved"/> holds that it takes; returns the model.</summary>
    private static Task<IReadOnlyList<OrderHistoryView>> UntilAllApplied(IOrderHistoryStore history, IEnumerable<IntegrationEvent> saved) =>
        Until(async () =>
        {
            var model = await history.ReadAllAsync();
            return model.Sum(v => v.Applied.Count) >= saved.Count(OrderHistoryView.Counts) ? model : null;
        });

    private static async Task<T> Until<T>(Func<Task<T?>> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The history did not get there in time.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The Cosmos store, holding every batch until <see cref="Release"/>.</summary>
    private sealed class GatedStore(IOrderHistoryStore inner) : IOrderHistoryStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource FirstBatch { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public async Task<int> ApplyAsync(IReadOnlyList<IntegrationEvent> batch, CancellationToken cancellationToken = default)
        {
            FirstBatch.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
            return await inner.ApplyAsync(batch, cancellationToken);
        }

        public Task<IReadOnlyList<OrderHistoryView>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default) =>
            inner.ForCustomerAsync(customerId, cancellationToken);

        public Task<Serverless.BuildingBlocks.Http.Page<OrderHistoryView>> ForCustomerAsync(string customerId, int limit, string? after, CancellationToken cancellationToken = default) =>
            inner.ForCustomerAsync(customerId, limit, after, cancellationToken);

        public Task<IReadOnlyList<OrderHistoryView>> ReadAllAsync(CancellationToken cancellationToken = default) => inner.ReadAllAsync(cancellationToken);

        public Task ReplaceWithAsync(IReadOnlyCollection<OrderHistoryView> rebuilt, IReadOnlySet<string> replayed, CancellationToken cancellationToken = default) =>
            inner.ReplaceWithAsync(rebuilt, replayed, cancellationToken);

        public Task<IReadOnlyList<ParkedEvent>> ParkedAsync(CancellationToken cancellationToken = default) => inner.ParkedAsync(cancellationToken);
    }
}
