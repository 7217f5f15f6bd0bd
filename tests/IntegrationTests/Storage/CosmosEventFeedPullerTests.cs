using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;

namespace Serverless.IntegrationTests.Storage;

/// <summary>The timer-pull change feed consumer: continuation kept in the lease container, at least once, nothing skipped.</summary>
[Collection("cosmos")]
public sealed class CosmosEventFeedPullerTests(CosmosServerFixture cosmos)
{
    [Fact]
    public async Task EachPull_HandsOverOnlyWhatIsNew_FromTheSavedContinuation()
    {
        // Given three saves
        var (source, leases) = await ContainersAsync();
        await SaveAsync(source, "o-1", "o-2", "o-3");
        var handled = new List<string>();
        var puller = new CosmosEventFeedPuller("history", source, leases, (events, _) => { handled.AddRange(events.Select(e => e.Subject)); return Task.CompletedTask; });

        // When pulled, then two more saves, then pulled twice by a new puller on the same leases
        Assert.Equal(3, await puller.PullAsync(CancellationToken.None));
        await SaveAsync(source, "o-4", "o-5");
        var again = new CosmosEventFeedPuller("history", source, leases, (events, _) => { handled.AddRange(events.Select(e => e.Subject)); return Task.CompletedTask; });
        Assert.Equal(2, await again.PullAsync(CancellationToken.None));
        Assert.Equal(0, await again.PullAsync(CancellationToken.None));

        // Then every save was handed over exactly once, in order
        Assert.Equal(["o-1", "o-2", "o-3", "o-4", "o-5"], handled);
    }

    [Fact]
    public async Task AFailedHandler_MovesNothing_AndThePageComesAgain()
    {
        var (source, leases) = await ContainersAsync();
        await SaveAsync(source, "o-1", "o-2");
        var failing = new CosmosEventFeedPuller("relay", source, leases, (_, _) => throw new InvalidOperationException("bus down"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.PullAsync(CancellationToken.None));

        var handled = new List<string>();
        var healthy = new CosmosEventFeedPuller("relay", source, leases, (events, _) => { handled.AddRange(events.Select(e => e.Subject)); return Task.CompletedTask; });
        Assert.Equal(2, await healthy.PullAsync(CancellationToken.None));
        Assert.Equal(["o-1", "o-2"], handled);
    }

    private async Task<(Container Source, Container Leases)> ContainersAsync()
    {
        var source = await cosmos.CreateContainerAsync("/orderId");
        Container leases = await source.Database.CreateContainerAsync(new ContainerProperties(CosmosLayout.Leases, "/id"));
        return (source, leases);
    }

    private static async Task SaveAsync(Container container, params string[] orderIds)
    {
        foreach (var orderId in orderIds)
        {
            var e = IntegrationEvent.Create("orders", "OrderPlaced", orderId, new { orderId }, DateTimeOffset.UtcNow);
            using var body = new MemoryStream(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { id = "0000000001", orderId, events = new[] { e } }, IntegrationEvent.Json));
            using var response = await container.CreateItemStreamAsync(body, new PartitionKey(orderId));
            response.EnsureSuccessStatusCode();
        }
    }
}
