using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Messaging.Queues;

namespace Serverless.IntegrationTests.Messaging;

/// <summary>
/// Outbox, change feed, the local bus and idempotent consumers on a real Azurite and real SQLite files.
/// What every bus adapter must do (dead letters, replay, purge, unreadable messages) is in <see cref="BusContract"/>.
/// </summary>
[Collection("azurite")]
public sealed class MessagingTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("shop-msg-").FullName;
    private readonly string _subscriber = "t" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task ChangeFeedConsumer_KilledMidBatch_ResumesFromItsCheckpoint_AndSkipsNothing()
    {
        // Given 250 changes in a store's feed
        var producer = Store("producer");
        await Write(producer, 250);
        var feed = new ChangeFeed(producer, TimeProvider.System);
        var seen = new List<long>();

        // When the first consumer dies in its second batch (after handling part of it, before its checkpoint)
        var dying = new ChangeFeedProcessor("projector", feed, (batch, _) =>
        {
            foreach (var entry in batch)
            {
                if (entry.Position == 150)
                {
                    throw new InvalidOperationException("process killed");
                }

                lock (seen)
                {
                    seen.Add(entry.Position);
                }
            }

            return Task.CompletedTask;
        }, NullLogger.Instance);
        await dying.StartAsync(CancellationToken.None);
        await Eventually(() => Task.FromResult(Count(seen, 149) >= 1));
        await dying.StopAsync(CancellationToken.None);
        Assert.Equal(100, await feed.CheckpointAsync("projector"));

        // and a new one takes over
        var next = new ChangeFeedProcessor("projector", feed, (batch, _) =>
        {
            lock (seen)
            {
                seen.AddRange(batch.Select(e => e.Position));
            }

            return Task.CompletedTask;
        }, NullLogger.Instance);
        await next.StartAsync(CancellationToken.None);
        await Eventually(async () => await feed.CheckpointAsync("projector") == 250);
        await next.StopAsync(CancellationToken.None);

        // Then every change was handled, none skipped: the interrupted batch again after the takeover (how often the
        // dying consumer retried it before it stopped is its poll timing), the checkpointed ones before and after it once
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), seen.Distinct().Order());
        Assert.True(Count(seen, 120) >= 2, $"position 120 handled {Count(seen, 120)} time(s)");
        Assert.Equal(1, Count(seen, 50));
        Assert.Equal(1, Count(seen, 201));
        Assert.Equal(1, Count(seen, 250));
    }

    [Fact]
    public async Task ARestartedRelay_PublishesAgainWhatItPublishedWithinTheWindow_FromTheBeginningWhenNothingSettled()
    {
        // Given a relay (1 s replay window) that published changes 1..3 and stopped before any of them settled
        var producer = Store("producer");
        var feed = new ChangeFeed(producer, TimeProvider.System);
        await Write(producer, 3);
        var first = new List<long>();
        var relay = Relay(feed, first);
        await relay.StartAsync(CancellationToken.None);
        await Eventually(() => Task.FromResult(Count(first, 3) == 1));
        await relay.StopAsync(CancellationToken.None);

        // When it starts again: all three go to the bus again (the bus may have lost them)
        var second = new List<long>();
        relay = Relay(feed, second);
        await relay.StartAsync(CancellationToken.None);
        await Eventually(() => Task.FromResult(Count(second, 3) == 1));
        Assert.Equal([1L, 2L, 3L], Snapshot(second));

        // and once they settled (published a window ago), changes 4 and 5 are published, then it stops
        await Eventually(async () => await feed.CheckpointAsync(relay.SettledConsumer) == 3);
        await Write(producer, 2);
        await Eventually(() => Task.FromResult(Count(second, 5) == 1));
        await relay.StopAsync(CancellationToken.None);

        // Then the next start publishes only what was published within the window: 4 and 5, not the settled 1..3
        var third = new List<long>();
        relay = Relay(feed, third);
        await relay.StartAsync(CancellationToken.None);
        await Eventually(() => Task.FromResult(Count(third, 5) == 1));
        await relay.StopAsync(CancellationToken.None);
        Assert.Equal([4L, 5L], Snapshot(third));
    }

    [Fact]
    public async Task BusUnavailable_OutboxAccumulates_ThenEverythingIsDeliveredOnce()
    {
        var (bus, topology, provider) = await Bus(maxDeliveries: 5);
        var producer = Store("producer");
        var consumer = provider.GetRequiredService<CountingHandler>();
        var failedPublishes = 0;
        var relay = new ChangeFeedProcessor("bus-relay", new ChangeFeed(producer, TimeProvider.System), async (batch, ct) =>
        {
            try
            {
                await bus.PublishAsync(batch.Select(b => b.Event).ToList(), ct);
            }
            catch
            {
                Interlocked.Increment(ref failedPublishes);
                throw;
            }
        }, NullLogger.Instance, TimeSpan.FromMilliseconds(20));
        var subscription = Subscription(provider, topology);
        await subscription.StartAsync(CancellationToken.None);

        // Given the bus is down while the producer keeps committing changes
        await azurite.StopAsync();
        try
        {
            await relay.StartAsync(CancellationToken.None);
            await Write(producer, 30);

            // the relay tries to publish them and fails, and its checkpoint stays before the unpublished changes
            await Eventually(() => Task.FromResult(Volatile.Read(ref failedPublishes) >= 1), TimeSpan.FromSeconds(90));
            Assert.Equal(0, await new ChangeFeed(producer, TimeProvider.System).CheckpointAsync("bus-relay"));
        }
        finally
        {
            // When it comes back
            await azurite.StartAsync();
        }

        // Then all are delivered, none lost, none duplicated in effect
        await Eventually(async () => await consumer.EffectsAsync() == 30, TimeSpan.FromSeconds(60));
        Assert.Equal(30, await new ChangeFeed(producer, TimeProvider.System).CheckpointAsync("bus-relay"));
        await relay.StopAsync(CancellationToken.None);
        await subscription.StopAsync(CancellationToken.None);
        Assert.Equal(30, await consumer.EffectsAsync());
    }

    [Fact]
    public async Task MessageDeliveredThreeTimes_HasOneEffect()
    {
        var (bus, topology, provider) = await Bus(maxDeliveries: 5);
        var consumer = provider.GetRequiredService<CountingHandler>();
        var e = IntegrationEvent.Create("orders", "OrderPlaced", "order-1", new { customerId = "alice" }, DateTimeOffset.UtcNow);

        await bus.PublishAsync([e, e, e], CancellationToken.None);
        var subscription = Subscription(provider, topology);
        await subscription.StartAsync(CancellationToken.None);
        await Eventually(() => Task.FromResult(consumer.Calls >= 3));
        await subscription.StopAsync(CancellationToken.None);

        Assert.Equal(3, consumer.Calls);
        Assert.Equal(1, await consumer.EffectsAsync());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private SqliteDatabase Store(string name) =>
        new(Path.Combine(_folder, name + ".db"), "CREATE TABLE IF NOT EXISTS effects (message_id TEXT PRIMARY KEY, n INTEGER NOT NULL);".WithMessaging());

    private static Task Write(SqliteDatabase db, int count) =>
        db.WriteAsync(async (c, t) =>
        {
            for (var i = 0; i < count; i++)
            {
                await Outbox.AddAsync(c, t, IntegrationEvent.Create("orders", "OrderPlaced", $"order-{i}", new { customerId = "alice", i }, DateTimeOffset.UtcNow));
            }

            return count;
        });

    /// <summary>A bus whose "orders" topic has one subscription of this test's own, and a consumer with its own store.</summary>
    private async Task<(QueueMessageBus Bus, BusTopology Topology, ServiceProvider Provider)> Bus(int maxDeliveries)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:Topics:orders"] = _subscriber,
            ["Bus:Topics:payments"] = _subscriber,
            ["Bus:Topics:shipping"] = _subscriber,
            ["Bus:MaxDeliveries"] = maxDeliveries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var topology = new BusTopology(configuration);
        var bus = new QueueMessageBus(azurite.Queues, topology);
        await bus.EnsureQueuesAsync(CancellationToken.None);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Store("consumer"));
        services.AddSingleton<CountingHandler>();
        return (bus, topology, services.BuildServiceProvider());
    }

    private QueueSubscriptionProcessor<CountingHandler> Subscription(ServiceProvider provider, BusTopology topology) =>
        new("orders", _subscriber, azurite.Queues, topology, provider, provider.GetRequiredService<ILogger<QueueSubscriptionProcessor<CountingHandler>>>());

    private static ChangeFeedProcessor Relay(ChangeFeed feed, List<long> published) =>
        new("bus-relay", feed, (batch, _) =>
        {
            lock (published)
            {
                published.AddRange(batch.Select(e => e.Position));
            }

            return Task.CompletedTask;
        }, NullLogger.Instance, TimeSpan.FromMilliseconds(20), replay: new RelayReplay(TimeSpan.FromSeconds(1)));

    private static long[] Snapshot(List<long> seen)
    {
        lock (seen)
        {
            return [.. seen];
        }
    }

    private static int Count(List<long> seen, long position)
    {
        lock (seen)
        {
            return seen.Count(p => p == position);
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition was not met before the deadline.");
            await Task.Delay(50);
        }
    }
}

/// <summary>An idempotent consumer: one effect row per message, recorded with its inbox mark in one transaction.</summary>
public sealed class CountingHandler(SqliteDatabase db) : IIntegrationEventHandler
{
    private int _calls;

    public int Calls => _calls;

    public async Task HandleAsync(IntegrationEvent e, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        await db.WriteAsync(async (c, t) =>
        {
            if (await Outbox.TryMarkHandledAsync(c, t, "counting", e.MessageId))
            {
                await c.ExecuteAsync("INSERT INTO effects (message_id, n) VALUES (@MessageId, 1) ON CONFLICT (message_id) DO UPDATE SET n = n + 1", new { e.MessageId }, t);
            }

            return 0;
        });
    }

    public async Task<int> EffectsAsync()
    {
        await using var c = db.Open();
        return await c.QuerySingleAsync<int>("SELECT COALESCE(SUM(n), 0) FROM effects");
    }
}
