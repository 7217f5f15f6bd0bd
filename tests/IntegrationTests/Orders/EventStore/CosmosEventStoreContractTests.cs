using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;
using Serverless.Orders;
using Serverless.Orders.Domain;
using Serverless.Orders.Storage.Cosmos;

namespace Serverless.IntegrationTests.Orders.EventStore;

/// <summary>The contract against the Cosmos adapter on the local Cosmos DB server: each store on a fresh container laid out as in Azure.</summary>
[Collection("cosmos")]
public sealed class CosmosEventStoreContractTests(CosmosServerFixture cosmos) : EventStoreContract
{
    private static readonly OrderPlaced Placed = new("alice", [new OrderLine("SKU-1", 1, 10m)], 10m, new ShippingAddress("1 Main St", "Seoul", "04524", "KR"));

    protected override async Task<IOrderEventStore> CreateStoreAsync(int snapshotEvery = 50)
    {
        var spec = CosmosLayout.Find(OrdersModule.Service, OrdersModule.Container);
        return new CosmosOrderEventStore(await cosmos.CreateContainerAsync(spec.PartitionKeyPath), TimeProvider.System,
            Options.Create(new OrderEventStoreOptions { SnapshotEvery = snapshotEvery }));
    }

    protected override async Task<IReadOnlyList<IntegrationEvent>> OutboxAsync(IOrderEventStore store, string orderId) =>
        (await CommitsAsync(store, orderId)).SelectMany(c => c["events"]!.AsArray().Select(e => e.Deserialize<IntegrationEvent>(IntegrationEvent.Json)!)).ToList();

    protected override async Task<IReadOnlyList<int>> SnapshotVersionsAsync(IOrderEventStore store, string orderId) =>
        (await CommitsAsync(store, orderId)).SelectMany(c => c["snapshots"]?.AsArray().Select(s => s!["version"]!.GetValue<int>()) ?? []).ToList();

    /// <summary>Replaces the commit holding the event with one whose copy of that event's data is not the event's shape.</summary>
    protected override async Task CorruptEventAsync(IOrderEventStore store, string orderId, int version)
    {
        var commit = (await CommitsAsync(store, orderId)).Single(c => c["fromVersion"]!.GetValue<int>() <= version && version <= c["toVersion"]!.GetValue<int>());
        commit["stored"]!.AsArray().Single(e => e!["version"]!.GetValue<int>() == version)!["data"] = "not json";
        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(commit));
        using var response = await Container(store).ReplaceItemStreamAsync(content, commit["id"]!.GetValue<string>(), new PartitionKey(orderId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AKeyLeftByAFailedAppend_ReadsAsAbsent_AndTheSameOrdersRetryTakesIt()
    {
        // Given alice's key k-1 claimed for order-1, whose commit was never written (the append failed after the claim)
        var store = await CreateStoreAsync();
        var key = new JsonObject { ["id"] = "k-1", ["streamId"] = CosmosOrderEventStore.KeyPartition("alice"), ["kind"] = CosmosOrderEventStore.KeyKind, ["key"] = "k-1", ["orderId"] = "order-1" };
        using (var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(key)))
        using (var created = await Container(store).CreateItemStreamAsync(content, new PartitionKey(CosmosOrderEventStore.KeyPartition("alice"))))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // Then the key names no order
        Assert.Null(await store.FindByIdempotencyKeyAsync("alice", "k-1"));

        // When another order claims it, it is refused; when order-1's append is retried, it succeeds
        await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() => store.AppendAsync("order-2", 0, [Placed], newStream: ("alice", "k-1")));
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", "k-1"));

        // Then the key names order-1
        Assert.Equal("order-1", await store.FindByIdempotencyKeyAsync("alice", "k-1"));
        Assert.Empty(await store.LoadAsync("order-2"));
    }

    [Fact]
    public async Task AnAppend_IsOneCommitDocument_IdByItsFirstVersion_WithItsSnapshotAndSagaStart()
    {
        // Given a store snapshotting every 2; When 1 event, then 3 events with a saga start, are appended
        var store = await CreateStoreAsync(snapshotEvery: 2);
        var start = new SagaStart("order-1:cancel", "OrderCancellationSaga", "order-1", "{}");
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));
        await store.AppendAsync("order-1", 1, [new OrderConfirmed(), new CancellationRequested("alice"), new StockReleased()], sagaStart: start);

        // Then there are two commits, "0000000001" and "0000000002", the second carrying versions 2-4, its snapshot at 2 and 4, and the pending saga start
        var commits = await CommitsAsync(store, "order-1");
        Assert.Equal(["0000000001", "0000000002"], commits.Select(c => c["id"]!.GetValue<string>()));
        var second = commits[1];
        Assert.Equal((2, 4), (second["fromVersion"]!.GetValue<int>(), second["toVersion"]!.GetValue<int>()));
        Assert.Equal([2, 4], second["snapshots"]!.AsArray().Select(s => s!["version"]!.GetValue<int>()));
        Assert.Equal([nameof(CancellationRequested), nameof(OrderConfirmed), nameof(StockReleased)], second["types"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal([nameof(OrderPlaced)], second["prior"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal((true, "order-1:cancel"), (second["sagaPending"]!.GetValue<bool>(), second["sagaStart"]!["instanceId"]!.GetValue<string>()));

        // When the saga start completes; Then only the flag changed
        await store.CompleteSagaStartAsync("order-1:cancel");
        var after = (await CommitsAsync(store, "order-1"))[1];
        Assert.False(after["sagaPending"]!.GetValue<bool>());
        Assert.Equal(second["events"]!.ToJsonString(), after["events"]!.ToJsonString());
        Assert.Equal(second["stored"]!.ToJsonString(), after["stored"]!.ToJsonString());
    }

    [Fact]
    public async Task TheChangeFeed_CarriesEveryAppendsEnvelopes_AndACompletedSagaStartRepeatsThemUnderTheSameIds()
    {
        // Given a placed order with its saga start, then two more appends
        var store = await CreateStoreAsync();
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null), sagaStart: new SagaStart("order-1", "OrderSaga", "order-1", "{}"));
        await store.AppendAsync("order-1", 1, [new StockReserved()]);
        await store.AppendAsync("order-1", 2, [new PaymentCharged(10m), new ShipmentBooked("Fast", "T-1")]);

        // When the container's change feed is read from the beginning
        var iterator = Container(store).GetChangeFeedStreamIterator(ChangeFeedStartFrom.Beginning(), ChangeFeedMode.LatestVersion);
        var (first, continuation) = await ReadChangesAsync(iterator);

        // Then it holds every event's envelope, in order
        Assert.Equal(["order-1:1", "order-1:2", "order-1:3", "order-1:4"], first.Select(e => e.MessageId));

        // When the saga start completes; Then the patched commit comes again with its envelopes unchanged (consumers dedupe by message id)
        await store.CompleteSagaStartAsync("order-1");
        var (again, _) = await ReadChangesAsync(Container(store).GetChangeFeedStreamIterator(ChangeFeedStartFrom.ContinuationToken(continuation), ChangeFeedMode.LatestVersion));
        Assert.Equal(["order-1:1"], again.Select(e => e.MessageId));
        Assert.Equal(first[0].Serialize(), again[0].Serialize());
    }

    private static async Task<(List<IntegrationEvent> Events, string Continuation)> ReadChangesAsync(FeedIterator iterator)
    {
        using (iterator)
        {
            var events = new List<IntegrationEvent>();
            while (true)
            {
                using var page = await iterator.ReadNextAsync();
                if (page.StatusCode == HttpStatusCode.NotModified)
                {
                    return (events, page.ContinuationToken);
                }

                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                events.AddRange(await CosmosEventFeedProcessor.ReadEventsAsync(page.Content, CancellationToken.None));
            }
        }
    }

    private static Container Container(IOrderEventStore store) => ((CosmosOrderEventStore)store).Container;

    private static async Task<List<JsonObject>> CommitsAsync(IOrderEventStore store, string orderId)
    {
        var commits = new List<JsonObject>();
        await foreach (var item in CosmosQueries.QueryAsync(Container(store), new QueryDefinition(
            "SELECT * FROM c WHERE c.kind = @commit ORDER BY c.fromVersion").WithParameter("@commit", CosmosOrderEventStore.CommitKind), new PartitionKey(orderId)))
        {
            commits.Add(JsonNode.Parse(item.GetRawText())!.AsObject());
        }

        return commits;
    }
}
