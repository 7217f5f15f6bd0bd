using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.OrderHistory.Parking;
using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Storage.Cosmos;

/// <summary>
/// <see cref="IOrderHistoryStore"/> on the <c>history</c> container (partition key <c>/orderId</c>): one
/// document per order, <c>{ id: orderId, orderId, customerId, total, applied: [{ messageId, type, at }],
/// status, updatedAt }</c> — the view and the ids of the events applied to it, which are this consumer's
/// inbox, so an event's effect and its dedupe are one write. Applying reads the document (404: a new
/// order), lets the view apply what it has not seen, and replaces it with its ETag (or creates it); a
/// 412 or 409 means someone else wrote first, so it reads again and retries. A customer's history is a
/// cross-partition query on <c>customerId</c>, put in order here (a customer's orders are few; the order
/// is <see cref="OrderHistoryView.NewestFirst"/>, the same as SQLite's).
/// <para>
/// A batch that fails on a poison event is applied again one event at a time (<see cref="PoisonIsolation"/>); a
/// parked event is a document in the <c>parked</c> container (partition key <c>/orderId</c>, id from its message id),
/// created once (409: parked already). The view never holds it, so a redelivery tries the batch, fails on it again
/// and then skips it: it is parked, not applied nor parked twice.
/// </para>
/// </summary>
public sealed class CosmosOrderHistoryStore(Container container, Container parked, ILogger? logger = null, ApplyEvent? apply = null) : IOrderHistoryStore
{
    private const string Kind = "order history";
    private const int Attempts = 50;

    private readonly ApplyEvent _apply = PoisonIsolation.Guarded(apply);

    public Container Container => container;

    public Container Parked => parked;

    public async Task<int> ApplyAsync(IReadOnlyList<IntegrationEvent> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.FirstOrDefault(e => !StorageLimits.IsValidId(e.Subject)) is { } bad)
        {
            throw new ArgumentException($"Event {bad.MessageId} names order '{bad.Subject}', which cannot be an order id: 1-255 characters without / \\ ? #.", nameof(batch));
        }

        var applied = 0;
        try
        {
            await Parallel.ForEachAsync(batch.GroupBy(e => e.Subject, StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (order, ct) => Interlocked.Add(ref applied, await ApplyToOrderAsync(order.Key, [.. order], ct)));
            return applied;
        }
        catch (Exception ex) when (PoisonIsolation.MayBePoison(ex))
        {
            // Orders whose events applied before the failure change nothing the second time.
            return applied + await PoisonIsolation.ApplyOneByOneAsync(
                batch, (e, ct) => ApplyToOrderAsync(e.Subject, [e], ct), ParkAsync, IsParkedAsync, logger ?? NullLogger.Instance, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<ParkedEvent>> ParkedAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<ParkedEvent>();
        await foreach (var item in CosmosQueries.QueryAsync(parked, new QueryDefinition("SELECT * FROM c"), null, cancellationToken))
        {
            list.Add(item.Deserialize<ParkedEvent>(StoredJson.Options) ?? throw new CorruptDocumentException("parked event", item.GetProperty("id").GetString() ?? "?", new JsonException("null")));
        }

        return [.. list.OrderBy(p => p.ParkedAt).ThenBy(p => p.MessageId, StringComparer.Ordinal)];
    }

    public Task<IReadOnlyList<OrderHistoryView>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default) =>
        QueryAsync(new QueryDefinition("SELECT * FROM c WHERE c.customerId = @customerId").WithParameter("@customerId", customerId), cancellationToken);

    /// <summary>The customer's views are read and ordered here (as the full list is), then cut after the position.</summary>
    public async Task<Page<OrderHistoryView>> ForCustomerAsync(string customerId, int limit, string? after, CancellationToken cancellationToken = default) =>
        Paging.NewestFirst(await ForCustomerAsync(customerId, cancellationToken), limit, after, v => v.UpdatedAt, v => v.OrderId);

    public Task<IReadOnlyList<OrderHistoryView>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        QueryAsync(new QueryDefinition("SELECT * FROM c"), cancellationToken);

    public async Task ReplaceWithAsync(IReadOnlyCollection<OrderHistoryView> rebuilt, IReadOnlySet<string> replayed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rebuilt);
        ArgumentNullException.ThrowIfNull(replayed);
        var byId = rebuilt.ToDictionary(v => v.OrderId, StringComparer.Ordinal);
        if (byId.Keys.FirstOrDefault(id => !StorageLimits.IsValidId(id)) is { } bad)
        {
            throw new ArgumentException($"'{bad}' cannot be an order id.", nameof(rebuilt));
        }

        var live = new List<string>();
        await foreach (var item in CosmosQueries.QueryAsync(container, new QueryDefinition("SELECT c.id FROM c"), null, cancellationToken))
        {
            live.Add(item.GetProperty("id").GetString()!);
        }

        // Order by order, each against its live document at that moment (ETag): a live apply in between makes it read again.
        await Parallel.ForEachAsync(live.Union(byId.Keys, StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (orderId, ct) => await UpdateAsync(orderId, current => OrderHistoryView.Swap(current, byId.GetValueOrDefault(orderId), replayed), ct));

        // Parked events the model now holds are repaired.
        foreach (var entry in await ParkedAsync(cancellationToken))
        {
            var (view, _) = await ReadAsync(entry.OrderId, cancellationToken);
            if (view is not null && view.HasApplied(entry.MessageId))
            {
                using var deleted = await parked.DeleteItemStreamAsync(ParkedId(entry.MessageId), new PartitionKey(entry.OrderId), cancellationToken: cancellationToken);
                if (!deleted.IsSuccessStatusCode && deleted.StatusCode != HttpStatusCode.NotFound)
                {
                    throw new CosmosStorageException("parked event", entry.MessageId, deleted.StatusCode, deleted.ErrorMessage);
                }
            }
        }
    }

    /// <summary>A message id as a document id: itself when Cosmos takes it, else its hash.</summary>
    private static string ParkedId(string messageId) =>
        StorageLimits.IsValidId(messageId) ? messageId : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(messageId)));

    private async Task<bool> ParkAsync(ParkedEvent entry, CancellationToken cancellationToken)
    {
        var document = JsonSerializer.SerializeToNode(entry, StoredJson.Options)!.AsObject();
        document["id"] = ParkedId(entry.MessageId);
        using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(document, StoredJson.Options));
        using var response = await parked.CreateItemStreamAsync(stream, new PartitionKey(entry.OrderId), cancellationToken: cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.Created => true,
            HttpStatusCode.Conflict => false,
            _ => throw new CosmosStorageException("parked event", entry.MessageId, response.StatusCode, response.ErrorMessage),
        };
    }

    private async Task<bool> IsParkedAsync(IntegrationEvent e, CancellationToken cancellationToken)
    {
        using var response = await parked.ReadItemStreamAsync(ParkedId(e.MessageId), new PartitionKey(e.Subject), cancellationToken: cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound
            ? false
            : response.IsSuccessStatusCode ? true : throw new CosmosStorageException("parked event", e.MessageId, response.StatusCode, response.ErrorMessage);
    }

    private async Task<int> ApplyToOrderAsync(string orderId, IReadOnlyList<IntegrationEvent> events, CancellationToken cancellationToken)
    {
        var spans = events.Select(HistorySources.ProjectionSpan).ToList();
        try
        {
            var applied = 0;
            await UpdateAsync(orderId, current =>
            {
                var view = current ?? new OrderHistoryView(orderId);
                applied = events.Count(e => _apply(view, e));
                return view;
            }, cancellationToken);
            return applied;
        }
        finally
        {
            foreach (var span in Enumerable.Reverse(spans))
            {
                span?.Dispose();
            }
        }
    }

    /// <summary>
    /// Read, decide, write with the ETag, until no one else wrote in between. <paramref name="decide"/>
    /// gets a fresh copy of the stored view (null: none) and returns what should be stored (null: nothing).
    /// </summary>
    private async Task UpdateAsync(string orderId, Func<OrderHistoryView?, OrderHistoryView?> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (current, etag) = await ReadAsync(orderId, cancellationToken);
            var wanted = decide(current?.Copy());
            if (wanted is null ? current is null : current is not null && current.SameAs(wanted))
            {
                return;
            }

            using var response = wanted is null
                ? await container.DeleteItemStreamAsync(orderId, new PartitionKey(orderId), new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken)
                : await WriteAsync(wanted, etag, cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent:
                    return;
                case HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict or HttpStatusCode.NotFound when attempt < Attempts:
                    await Task.Delay(Random.Shared.Next(1, 5 * attempt), cancellationToken);
                    continue;
                case HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict or HttpStatusCode.NotFound:
                    throw new ConcurrencyConflictException(Kind, orderId, attempt);
                case HttpStatusCode.RequestEntityTooLarge:
                    throw new DocumentTooLargeException(Kind, orderId, StorageLimits.MaxDocumentBytes);
                default:
                    throw new CosmosStorageException(Kind, orderId, response.StatusCode, response.ErrorMessage);
            }
        }
    }

    private async Task<ResponseMessage> WriteAsync(OrderHistoryView view, string? etag, CancellationToken cancellationToken)
    {
        var document = JsonSerializer.SerializeToNode(view, StoredJson.Options)!.AsObject();
        document["id"] = view.OrderId;
        document["status"] = view.Status;
        document["updatedAt"] = JsonValue.Create(view.UpdatedAt);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, StoredJson.Options);
        if (bytes.Length > StorageLimits.MaxDocumentBytes)
        {
            throw new DocumentTooLargeException(Kind, view.OrderId, bytes.Length);
        }

        using var stream = new MemoryStream(bytes);
        var key = new PartitionKey(view.OrderId);
        return etag is null
            ? await container.CreateItemStreamAsync(stream, key, cancellationToken: cancellationToken)
            : await container.ReplaceItemStreamAsync(stream, view.OrderId, key, new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken);
    }

    private async Task<(OrderHistoryView? View, string? ETag)> ReadAsync(string orderId, CancellationToken cancellationToken)
    {
        using var response = await container.ReadItemStreamAsync(orderId, new PartitionKey(orderId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, null);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new CosmosStorageException(Kind, orderId, response.StatusCode, response.ErrorMessage);
        }

        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return (ToView(document.RootElement), response.Headers.ETag);
    }

    private async Task<IReadOnlyList<OrderHistoryView>> QueryAsync(QueryDefinition query, CancellationToken cancellationToken)
    {
        var views = new List<OrderHistoryView>();
        await foreach (var item in CosmosQueries.QueryAsync(container, query, null, cancellationToken))
        {
            views.Add(ToView(item));
        }

        views.Sort(OrderHistoryView.NewestFirst);
        return views;
    }

    private static OrderHistoryView ToView(JsonElement document)
    {
        var id = document.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "?";
        try
        {
            var view = document.Deserialize<OrderHistoryView>(StoredJson.Options) ?? throw new JsonException("null document");
            return view.OrderId == id && view.Applied.All(e => e is { MessageId: not null, Type: not null })
                ? view
                : throw new JsonException($"orderId '{view.OrderId}' or its applied events do not match the document");
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            throw new CorruptDocumentException(Kind, id, ex);
        }
    }
}
