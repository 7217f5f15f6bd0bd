using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.Notifications.Sending;

namespace Serverless.Notifications.Storage.Cosmos;

/// <summary>
/// <see cref="INotificationStore"/> on the <c>notifications</c> container (partition key <c>/customerId</c>):
/// one document per notification, <c>{ id: "{orderId}:{type}", customerId, orderId, type, at, messageId }</c>.
/// Creating it is the whole dedupe: a 409 means that order's notification of that type exists already,
/// whichever message brought it (a redelivered message maps to the same id).
/// </summary>
public sealed class CosmosNotificationStore(Container container) : INotificationStore
{
    private const string Kind = "notification";

    public Container Container => container;

    public async Task<bool> TryAddAsync(string messageId, string customerId, Notification notification, CancellationToken cancellationToken = default)
    {
        Notification.RefuseUnstorable(messageId, customerId, notification);
        var document = new JsonObject
        {
            ["id"] = notification.Id,
            ["customerId"] = customerId,
            ["orderId"] = notification.OrderId,
            ["type"] = notification.Type,
            ["at"] = JsonValue.Create(notification.At.ToUniversalTime()),
            ["messageId"] = messageId,
        };
        using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(document, StoredJson.Options));
        using var response = await container.CreateItemStreamAsync(stream, new PartitionKey(customerId), cancellationToken: cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.Created or HttpStatusCode.OK => true,
            HttpStatusCode.Conflict => false,
            _ => throw new CosmosStorageException(Kind, notification.Id, response.StatusCode, response.ErrorMessage),
        };
    }

    public async Task<IReadOnlyList<Notification>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default)
    {
        if (!StorageLimits.IsValidId(customerId))
        {
            return [];
        }

        var notifications = new List<Notification>();
        var query = new QueryDefinition("SELECT * FROM c WHERE c.customerId = @customerId").WithParameter("@customerId", customerId);
        await foreach (var item in CosmosQueries.QueryAsync(container, query, new PartitionKey(customerId), cancellationToken))
        {
            notifications.Add(ToNotification(item));
        }

        notifications.Sort(Notification.NewestFirst);
        return notifications;
    }

    /// <summary>The customer's partition is read and ordered here (as the full list is), then cut after the position.</summary>
    public async Task<Page<Notification>> ForCustomerAsync(string customerId, int limit, string? after, CancellationToken cancellationToken = default) =>
        Paging.NewestFirst(await ForCustomerAsync(customerId, cancellationToken), limit, after, n => n.At, n => n.Id);

    private static Notification ToNotification(JsonElement document)
    {
        var id = document.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "?";
        try
        {
            return new Notification(id, document.GetProperty("type").GetString() ?? throw new JsonException("null type"),
                document.GetProperty("orderId").GetString() ?? throw new JsonException("null orderId"), document.GetProperty("at").GetDateTimeOffset());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CorruptDocumentException(Kind, id, ex);
        }
    }
}
