using System.Text;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;
using Serverless.OrderHistory;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Storage.Cosmos;

namespace Serverless.IntegrationTests.OrderHistory;

/// <summary>The order-history store contract against the local Cosmos DB server, each store on a fresh <c>history</c> container.</summary>
[Collection("cosmos")]
public sealed class CosmosOrderHistoryStoreTests(CosmosServerFixture cosmos) : OrderHistoryStoreContract
{
    protected override async Task<IOrderHistoryStore> CreateStoreAsync(ApplyEvent? apply) =>
        new CosmosOrderHistoryStore(
            await cosmos.CreateContainerAsync(CosmosLayout.Find(OrderHistoryModule.Name, "history").PartitionKeyPath),
            await cosmos.CreateContainerAsync(CosmosLayout.Find(OrderHistoryModule.Name, "parked").PartitionKeyPath), apply: apply);

    protected override IOrderHistoryStore Reopen(IOrderHistoryStore store, ApplyEvent? apply)
    {
        var cosmosStore = (CosmosOrderHistoryStore)store;
        return new CosmosOrderHistoryStore(cosmosStore.Container, cosmosStore.Parked, apply: apply);
    }

    protected override async Task CorruptAsync(IOrderHistoryStore store, string orderId)
    {
        var json = $$"""{ "id": "{{orderId}}", "orderId": "{{orderId}}", "customerId": "alice", "applied": "not a list" }""";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        using var response = await ((CosmosOrderHistoryStore)store).Container.UpsertItemStreamAsync(stream, new PartitionKey(orderId));
        Assert.True(response.IsSuccessStatusCode, response.ErrorMessage);
    }
}
