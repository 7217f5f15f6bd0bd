using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;
using Serverless.Notifications;
using Serverless.Notifications.Sending;
using Serverless.Notifications.Storage.Cosmos;

namespace Serverless.IntegrationTests.Notifications;

/// <summary>The notification store contract against the local Cosmos DB server, each store on a fresh <c>notifications</c> container.</summary>
[Collection("cosmos")]
public sealed class CosmosNotificationStoreTests(CosmosServerFixture cosmos) : NotificationStoreContract
{
    protected override async Task<(INotificationStore Store, IEmailSender Email)> CreateAsync()
    {
        var container = await cosmos.CreateContainerAsync(CosmosLayout.Find(NotificationsModule.Name, "notifications").PartitionKeyPath);
        return (new CosmosNotificationStore(container), new CosmosEmailSender(container, TimeProvider.System));
    }

    protected override async Task<IReadOnlyList<(string Recipient, string Subject)>> SentAsync(INotificationStore store, string customerId, Notification notification)
    {
        using var response = await ((CosmosNotificationStore)store).Container.ReadItemStreamAsync(notification.Id, new PartitionKey(customerId));
        using var document = await JsonDocument.ParseAsync(response.Content);
        return document.RootElement.TryGetProperty("sent", out var sent)
            ? [(sent.GetProperty("recipient").GetString()!, sent.GetProperty("subject").GetString()!)]
            : [];
    }

    protected override async Task CorruptAsync(INotificationStore store, string customerId, Notification notification)
    {
        var json = $$"""{ "id": "{{notification.Id}}", "customerId": "{{customerId}}", "orderId": 42, "at": "not a time" }""";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        using var response = await ((CosmosNotificationStore)store).Container.UpsertItemStreamAsync(stream, new PartitionKey(customerId));
        Assert.True(response.IsSuccessStatusCode, response.ErrorMessage);
    }
}
