using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;

namespace Serverless.IntegrationTests.Storage;

/// <summary>The aggregate store contract against Cosmos DB (the local server): each store in a fresh container.</summary>
[Collection("cosmos")]
public sealed class CosmosAggregateStoreTests(CosmosServerFixture cosmos) : AggregateStoreContract
{
    private readonly Dictionary<IAggregateStore<Counter>, Container> _containers = [];

    protected override async Task<IAggregateStore<Counter>> CreateStoreAsync()
    {
        var container = await cosmos.CreateContainerAsync("/name");
        var store = new CosmosAggregateStore<Counter>(container, "name", TimeProvider.System, nameof(Counter));
        _containers.Add(store, container);
        return store;
    }

    protected override async Task<IReadOnlyList<IntegrationEvent>> SavedEventsAsync(IAggregateStore<Counter> store, string id)
    {
        var events = new List<IntegrationEvent>();
        var query = new QueryDefinition("SELECT c.events FROM c WHERE c.name = @id ORDER BY c.version").WithParameter("@id", id);
        await foreach (var doc in CosmosQueries.QueryAsync(_containers[store], query, new PartitionKey(id)))
        {
            events.AddRange(doc.GetProperty("events").Deserialize<List<IntegrationEvent>>(IntegrationEvent.Json)!);
        }

        return events;
    }

    protected override async Task CorruptAsync(IAggregateStore<Counter> store, string id)
    {
        var container = _containers[store];
        var latest = (await CosmosQueries.FirstOrDefaultAsync(container,
            new QueryDefinition("SELECT TOP 1 * FROM c WHERE c.name = @id ORDER BY c.version DESC").WithParameter("@id", id), new PartitionKey(id)))!.Value;
        var broken = JsonNode.Parse(latest.GetRawText())!.AsObject();
        broken["state"] = new JsonObject { ["value"] = "not a number" };
        using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(broken));
        using var response = await container.ReplaceItemStreamAsync(body, latest.GetProperty("id").GetString()!, new PartitionKey(id));
        Assert.True(response.IsSuccessStatusCode, $"replace answered {response.StatusCode}");
    }
}
