using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace Serverless.BuildingBlocks.Storage.Cosmos;

/// <summary>Queries through the SDK's stream API, read with System.Text.Json (the adapters own their document format).</summary>
public static class CosmosQueries
{
    /// <summary>Every result of <paramref name="query"/>, page after page; one partition when <paramref name="partitionKey"/> is given, else all.</summary>
    public static async IAsyncEnumerable<JsonElement> QueryAsync(Container container, QueryDefinition query, PartitionKey? partitionKey,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default, int? maxItemCount = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        var options = new QueryRequestOptions { MaxItemCount = maxItemCount ?? 1000 };
        if (partitionKey is { } key)
        {
            options.PartitionKey = key;
        }

        using var iterator = container.GetItemQueryStreamIterator(query, requestOptions: options);
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new CosmosStorageException("query", query.QueryText, response.StatusCode, response.ErrorMessage);
            }

            using var page = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
            foreach (var item in page.RootElement.GetProperty("Documents").EnumerateArray())
            {
                yield return item.Clone();
            }
        }
    }

    public static async Task<JsonElement?> FirstOrDefaultAsync(Container container, QueryDefinition query, PartitionKey? partitionKey, CancellationToken cancellationToken = default)
    {
        await foreach (var item in QueryAsync(container, query, partitionKey, cancellationToken, maxItemCount: 1))
        {
            return item;
        }

        return null;
    }
}
