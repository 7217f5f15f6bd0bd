using Serverless.BuildingBlocks.Messaging;
using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Rebuilding;

/// <summary>
/// A source's change feed read from its beginning to its current end, page by page: what a rebuild
/// replays. Adapters: <see cref="FeedEndpointReplay"/> (the source's feed over HTTP, local mode) and
/// <see cref="Storage.Cosmos.CosmosSourceReplay"/> (the source container's change feed, pull model).
/// </summary>
public interface ISourceReplay
{
    IAsyncEnumerable<IReadOnlyList<IntegrationEvent>> ReadAsync(HistorySource source, CancellationToken cancellationToken);
}

/// <summary>Reads a source's feed over HTTP (<c>GET /api/{source}/feed?after=N</c>) until a page comes back empty.</summary>
public sealed class FeedEndpointReplay(IHttpClientFactory clients) : ISourceReplay
{
    private const int PageSize = 500;

    public async IAsyncEnumerable<IReadOnlyList<IntegrationEvent>> ReadAsync(HistorySource source,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var http = clients.CreateClient(source.Service);
        long after = 0;
        while (true)
        {
            var page = await http.ReadRemoteAsync(source.Service, after, PageSize, cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }

            yield return [.. page.Select(p => p.Event)];
            after = page[^1].Position;
        }
    }
}
