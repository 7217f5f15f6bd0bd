using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.Notifications.Sending;

namespace Serverless.Notifications.Storage.Cosmos;

/// <summary>
/// The local e-mail sender in Cosmos mode: "sends" by recording <c>sent: { recipient, subject, sentAt }</c> on
/// the notification's document (in the recipient's partition), once: a document already marked sent is
/// left alone, and a concurrent mark (412 on the ETag) is read again.
/// </summary>
public sealed class CosmosEmailSender(Container container, TimeProvider clock) : IEmailSender
{
    private const int Attempts = 20;

    public async Task SendAsync(Notification notification, string recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var key = new PartitionKey(recipient);
        for (var attempt = 1; ; attempt++)
        {
            JsonObject document;
            string etag;
            using (var read = await container.ReadItemStreamAsync(notification.Id, key, cancellationToken: cancellationToken))
            {
                if (!read.IsSuccessStatusCode)
                {
                    throw new CosmosStorageException("notification", notification.Id, read.StatusCode, read.ErrorMessage);
                }

                document = (await JsonNode.ParseAsync(read.Content, cancellationToken: cancellationToken))?.AsObject()
                           ?? throw new CorruptDocumentException("notification", notification.Id, new JsonException("null document"));
                etag = read.Headers.ETag;
            }

            if (document["sent"] is not null)
            {
                return;
            }

            document["sent"] = new JsonObject
            {
                ["recipient"] = recipient,
                ["subject"] = notification.Subject,
                ["sentAt"] = JsonValue.Create(clock.GetUtcNow()),
            };
            using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(document, StoredJson.Options));
            using var replaced = await container.ReplaceItemStreamAsync(stream, notification.Id, key, new ItemRequestOptions { IfMatchEtag = etag }, cancellationToken);
            if (replaced.IsSuccessStatusCode)
            {
                return;
            }

            if (replaced.StatusCode != HttpStatusCode.PreconditionFailed || attempt == Attempts)
            {
                throw new CosmosStorageException("notification", notification.Id, replaced.StatusCode, replaced.ErrorMessage);
            }
        }
    }
}
