using System.Net;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Rebuilding;

namespace Serverless.OrderHistory.Storage.Cosmos;

/// <summary>
/// A source container's change feed from its beginning with the pull model (no leases: a rebuild
/// keeps no checkpoint), page by page until Cosmos answers 304 Not Modified, i.e. the current end.
/// </summary>
public sealed class CosmosSourceReplay(Func<HistorySource, Container> containers) : ISourceReplay
{
    private const int PageSize = 500;

    public async IAsyncEnumerable<IReadOnlyList<IntegrationEvent>> ReadAsync(HistorySource source,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var container = containers(source);
        using var iterator = container.GetChangeFeedStreamIterator(
            ChangeFeedStartFrom.Beginning(), ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = PageSize });
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                yield break;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new CosmosStorageException("change feed of", container.Id, response.StatusCode, response.ErrorMessage);
            }

            yield return await CosmosEventFeedProcessor.ReadEventsAsync(response.Content, cancellationToken);
        }
    }
}
