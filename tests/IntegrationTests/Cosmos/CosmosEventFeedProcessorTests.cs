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
/// for over a minute after every crash (seen as a missing notification in the crash matrix).
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
