using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.BuildingBlocks.Storage.Cosmos;

/// <summary>
/// The other way to consume a change feed on a plan that scales to zero: a pull on a timer (the
/// change feed pull model) instead of a hosted processor. Each <see cref="PullAsync"/> reads from the
/// continuation kept in the lease container (document <c>pull.{name}</c>) until nothing is new,
/// handing each page over before saving the continuation (ETag-checked, so two instances never both
/// move it: the loser stops and the page is redelivered at most once more). At least once; handlers
/// apply idempotently. Its latency is the timer's period; see the README's choice per consumer.
/// </summary>
public sealed class CosmosEventFeedPuller(string name, Container monitored, Container leases, Func<IReadOnlyList<IntegrationEvent>, CancellationToken, Task> handle)
{
    private readonly string _leaseId = "pull." + name;

    /// <summary>Reads and hands over everything new; returns how many events were handed over.</summary>
    public async Task<int> PullAsync(CancellationToken cancellationToken)
    {
        var (continuation, etag) = await ReadLeaseAsync(cancellationToken);
        var start = continuation is null ? ChangeFeedStartFrom.Beginning() : ChangeFeedStartFrom.ContinuationToken(continuation);
        using var iterator = monitored.GetChangeFeedStreamIterator(start, ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = 100 });
        var handed = 0;
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync(cancellationToken);
            if (page.StatusCode == HttpStatusCode.NotModified)
            {
                break;
            }

            if (!page.IsSuccessStatusCode)
            {
                throw new CosmosStorageException("change feed", monitored.Id, page.StatusCode, page.ErrorMessage);
            }

            var events = await CosmosEventFeedProcessor.ReadEventsAsync(page.Content, cancellationToken);
            if (events.Count > 0)
            {
                await handle(events, cancellationToken);
                handed += events.Count;
            }

            etag = await SaveLeaseAsync(page.ContinuationToken, etag, cancellationToken);
            if (etag is null)
            {
                break; // another instance moved the continuation: it owns this feed now
            }
        }

        return handed;
    }

    private async Task<(string? Continuation, string? ETag)> ReadLeaseAsync(CancellationToken cancellationToken)
    {
        using var response = await leases.ReadItemStreamAsync(_leaseId, new PartitionKey(_leaseId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, null);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new CosmosStorageException("lease", _leaseId, response.StatusCode, response.ErrorMessage);
        }

        using var lease = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return (lease.RootElement.GetProperty("continuation").GetString(), response.Headers.ETag);
    }

    /// <summary>The new ETag, or null when someone else saved the lease since it was read.</summary>
    private async Task<string?> SaveLeaseAsync(string continuation, string? etag, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["id"] = _leaseId, ["continuation"] = continuation, ["at"] = DateTimeOffset.UtcNow.ToString("O") });
        using var stream = new MemoryStream(body);
        using var response = etag is null
            ? await leases.CreateItemStreamAsync(stream, new PartitionKey(_leaseId), cancellationToken: cancellationToken)
            : await leases.ReplaceItemStreamAsync(stream, _leaseId, new PartitionKey(_leaseId), new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.OK or HttpStatusCode.Created => response.Headers.ETag,
            HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict => null,
            _ => throw new CosmosStorageException("lease", _leaseId, response.StatusCode, response.ErrorMessage),
        };
    }
}
