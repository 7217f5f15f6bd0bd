using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Xunit.Abstractions;

namespace Serverless.IntegrationTests.Cosmos;

/// <summary>
/// <see cref="CosmosEventFeedProcessor"/> (the Cosmos outbox relay and the history's feed) after a crash:
/// the dead process never released its leases, so the restarted one can take them only once they
/// expire. That must be seconds, not the SDK's default minute, or the bus and the history stand still
/// for over a minute after every crash (seen as a missing notification in the crash matrix). And the
/// relay publishes again what it handed to the local bus within its replay window before it stopped
/// (the bus may have lost it), from the beginning when nothing had settled yet.
/// </summary>
[Collection("cosmos")]
public sealed class CosmosEventFeedProcessorTests(CosmosServerFixture cosmos, ITestOutputHelper output)
{
    [Fact]
    public async Task AfterACrash_TheRestartedProcessor_TakesOverTheDeadOwnersLeases_WithinTheLeaseExpiration_AndMissesNothing()
    {
        // Given a processor that relayed one event and then "crashed": its leases still name it as owner, freshly renewed
        var container = await cosmos.CreateContainerAsync("/subject");
        var leases = (await container.Database.CreateContainerAsync("leases-" + Guid.NewGuid().ToString("N")[..8], "/id")).Container;
        var before = new Collected();
        var first = new CosmosEventFeedProcessor("relay-test", container, leases, before.HandleAsync, NullLogger.Instance, pollInterval: TimeSpan.FromMilliseconds(50));
        await first.StartAsync(CancellationToken.None);
        await SaveAsync(container, "e1");
        await before.UntilAsync(["e1"], TimeSpan.FromSeconds(30));
        await first.StopAsync(CancellationToken.None); // releases the leases ...
        var owned = await OwnLeasesAsAsync(leases, "crashed-instance"); // ... so give them back to a dead owner, renewed just now
        Assert.True(owned > 0, "the processor kept no lease");

        // When the process starts again and an event is saved
        var after = new Collected();
        var second = new CosmosEventFeedProcessor("relay-test", container, leases, after.HandleAsync, NullLogger.Instance, pollInterval: TimeSpan.FromMilliseconds(50));
        var restarted = Stopwatch.StartNew();
        await second.StartAsync(CancellationToken.None);
        try
        {
            await SaveAsync(container, "e2");

            // Then it is relayed once the dead owner's leases expire (15 s, plus an acquire round), long before the SDK's default 60 s + 17 s, and only it
            await after.UntilAsync(["e2"], CosmosEventFeedProcessor.LeaseExpiration + TimeSpan.FromSeconds(15));
            output.WriteLine($"relayed {restarted.Elapsed.TotalSeconds:0.0} s after the restart");
            Assert.Equal(["e1"], before.Ids);
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ARelayThatStopsBeforeAnythingSettled_PublishesEveryEventAgain_WhenItStarts()
    {
        // Given a relay that published two events and stopped within its replay window of the first publish
        // (what the crash matrix does: orders placed, the first one confirmed, then the crash within seconds)
        var (container, leases) = await ContainersAsync();
        var before = new Collected();
        var first = Relay(container, leases, before, TimeSpan.FromSeconds(15));
        await first.StartAsync(CancellationToken.None);
        await SaveAsync(container, "e1");
        await SaveAsync(container, "e2");
        await before.UntilAsync(["e1", "e2"], TimeSpan.FromSeconds(30));
        await first.StopAsync(CancellationToken.None);

        // When it starts again, then both go to the bus again before anything new (nothing had settled, so the bus may have lost both)
        Assert.Equal(["e1", "e2"], await PublishedAgainOnStartAsync(container, leases, TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task ARestartedRelay_PublishesAgainWhatItPublishedWithinTheWindow_AndNotWhatSettled()
    {
        // Given a relay with a 1 s window that published e1, e2 and e3 two seconds apart (so e1 and then e2 settled)
        var (container, leases) = await ContainersAsync();
        var before = new Collected();
        var first = Relay(container, leases, before, TimeSpan.FromSeconds(1));
        await first.StartAsync(CancellationToken.None);
        await SaveAsync(container, "e1");
        await before.UntilAsync(["e1"], TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2.2)); // _ts has whole seconds: e2 is at least a second newer than e1
        await SaveAsync(container, "e2");
        await before.UntilAsync(["e1", "e2"], TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        await SaveAsync(container, "e3");
        await before.UntilAsync(["e1", "e2", "e3"], TimeSpan.FromSeconds(30));
        var e2Ts = await TimestampOfAsync(container, "e2");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await WatermarkAsync(leases) is var watermark && watermark != e2Ts)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the settled watermark is {watermark}, e2 was written at {e2Ts}");
            await Task.Delay(50);
        }

        await first.StopAsync(CancellationToken.None);

        // When it starts again, then what was published since the settled watermark goes again, what settled before it does not
        Assert.Equal(["e2", "e3"], await PublishedAgainOnStartAsync(container, leases, TimeSpan.FromSeconds(1)));
    }

    /// <summary>What a relay started on <paramref name="container"/> publishes during its start (its replay), before the feed resumes.</summary>
    private static async Task<string[]> PublishedAgainOnStartAsync(Container container, Container leases, TimeSpan window)
    {
        var published = new Collected();
        var relay = Relay(container, leases, published, window);
        await relay.StartAsync(CancellationToken.None);
        var replayed = published.Ids;
        await relay.StopAsync(CancellationToken.None);
        return replayed;
    }

    private async Task<(Container Monitored, Container Leases)> ContainersAsync()
    {
        var container = await cosmos.CreateContainerAsync("/subject");
        var leases = (await container.Database.CreateContainerAsync("leases-" + Guid.NewGuid().ToString("N")[..8], "/id")).Container;
        return (container, leases);
    }

    private static CosmosEventFeedProcessor Relay(Container container, Container leases, Collected collected, TimeSpan window) =>
        new("relay-test", container, leases, collected.HandleAsync, NullLogger.Instance, pollInterval: TimeSpan.FromMilliseconds(50), replay: new RelayReplay(window));

    private static async Task<long?> WatermarkAsync(Container leases)
    {
        using var response = await leases.ReadItemStreamAsync("settled:relay-test", new PartitionKey("settled:relay-test"));
        return response.IsSuccessStatusCode ? (await JsonNode.ParseAsync(response.Content))!["ts"]!.GetValue<long>() : null;
    }

    private static async Task<long> TimestampOfAsync(Container container, string messageId)
    {
        using var iterator = container.GetItemQueryIterator<JsonObject>("SELECT * FROM c");
        while (iterator.HasMoreResults)
        {
            foreach (var document in await iterator.ReadNextAsync())
            {
                if (document["events"]!.AsArray().Any(e => e!["messageId"]!.GetValue<string>() == messageId))
                {
                    return document["_ts"]!.GetValue<long>();
                }
            }
        }

        throw new InvalidOperationException($"no document holds {messageId}");
    }

    private static Task SaveAsync(Container container, string messageId) =>
        EventDocuments.SaveAsync(container, "subject", "order-1",
            [IntegrationEvent.Create("orders", "OrderPlaced", "order-1", new { orderId = "order-1" }, DateTimeOffset.UtcNow, messageId: messageId)]);

    /// <summary>Rewrites every lease document as owned by <paramref name="owner"/> and renewed now (what a crashed owner leaves); returns how many.</summary>
    private static async Task<int> OwnLeasesAsAsync(Container leases, string owner)
    {
        var count = 0;
        using var iterator = leases.GetItemQueryIterator<JsonObject>("SELECT * FROM c");
        while (iterator.HasMoreResults)
        {
            foreach (var lease in await iterator.ReadNextAsync())
            {
                if (!lease.ContainsKey("LeaseToken") && !lease.ContainsKey("PartitionId"))
                {
                    continue; // not a lease (the lease store's own .info and .lock documents)
                }

                lease["Owner"] = owner;
                lease["timestamp"] = DateTime.UtcNow;
                var id = lease["id"]!.GetValue<string>();
                await leases.ReplaceItemAsync(lease, id, new PartitionKey(id));
                count++;
            }
        }

        return count;
    }

    private sealed class Collected
    {
        private readonly ConcurrentQueue<string> _ids = new();

        public string[] Ids => [.. _ids];

        public Task HandleAsync(IReadOnlyList<IntegrationEvent> batch, CancellationToken cancellationToken)
        {
            foreach (var e in batch)
            {
                _ids.Enqueue(e.MessageId);
            }

            return Task.CompletedTask;
        }

        public async Task UntilAsync(string[] expected, TimeSpan within)
        {
            var deadline = DateTime.UtcNow + within;
            while (!Ids.SequenceEqual(expected))
            {
                Assert.True(DateTime.UtcNow < deadline, $"within {within.TotalSeconds} s: got [{string.Join(", ", Ids)}], expected [{string.Join(", ", expected)}]");
                await Task.Delay(50);
            }
        }
    }
}
