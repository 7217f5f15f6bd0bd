using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.IntegrationTests.Cosmos;

/// <summary>Documents as the services' Cosmos stores write them: an <c>events</c> array that the change feed consumers read.</summary>
internal static class EventDocuments
{
    public static async Task SaveAsync(Container container, string partitionKeyName, string partitionKey, IReadOnlyList<IntegrationEvent> events)
    {
        var document = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString("N"),
            [partitionKeyName] = partitionKey,
            ["events"] = JsonSerializer.SerializeToNode(events, IntegrationEvent.Json),
        };
        using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(document));
        using var response = await container.CreateItemStreamAsync(stream, new PartitionKey(partitionKey));
        Xunit.Assert.True(response.IsSuccessStatusCode, response.ErrorMessage);
    }
}
