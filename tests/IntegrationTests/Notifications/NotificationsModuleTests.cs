using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;
using Serverless.Notifications;
using Serverless.Notifications.Sending;
using Serverless.Notifications.Storage.Cosmos;
using Serverless.Notifications.Storage.Sqlite;

namespace Serverless.IntegrationTests.Notifications;

/// <summary>The app picks its adapters from <c>Storage:Provider</c> in one place; the handler works on either set.</summary>
[Collection("cosmos")]
public sealed class NotificationsModuleTests(CosmosServerFixture cosmos) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "notifications-module-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task Sqlite_HandlesAnOrderEvent_IntoOneNotification()
    {
        using var services = Build(new() { ["Storage:DataDirectory"] = _data });

        Assert.IsType<SqliteNotificationStore>(services.GetRequiredService<INotificationStore>());
        Assert.IsType<SqliteEmailSender>(services.GetRequiredService<IEmailSender>());
        await HandledTwice_NotifiesOnce(services);
    }

    [Fact]
    public async Task Cosmos_HandlesAnOrderEvent_IntoOneNotification()
    {
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-";
        await CosmosLayout.EnsureCreatedAsync(cosmos.Client, new CosmosOptions { DatabasePrefix = prefix }, [NotificationsModule.Name]);
        using var services = Build(new()
        {
            [StorageOptions.ProviderKey] = "cosmos",
            ["Cosmos:Endpoint"] = cosmos.Account.Endpoint,
            ["Cosmos:Key"] = cosmos.Account.Key,
            ["Cosmos:DatabasePrefix"] = prefix,
        });

        Assert.IsType<CosmosNotificationStore>(services.GetRequiredService<INotificationStore>());
        Assert.IsType<CosmosEmailSender>(services.GetRequiredService<IEmailSender>());
        await HandledTwice_NotifiesOnce(services);
    }

    private static async Task HandledTwice_NotifiesOnce(ServiceProvider services)
    {
        var placed = IntegrationEvent.Create("orders", "OrderPlaced", "order-1", new { customerId = "alice", version = 1 }, DateTimeOffset.UtcNow);
        using (var scope = services.CreateScope())
        {
            var handler = scope.ServiceProvider.GetRequiredService<OrderEventsHandler>();
            await handler.HandleAsync(placed, CancellationToken.None);
            await handler.HandleAsync(placed, CancellationToken.None);
        }

        Assert.Equal(["order-1:OrderReceived"], (await services.GetRequiredService<INotificationStore>().ForCustomerAsync("alice")).Select(n => n.Id));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddNotifications(configuration).BuildServiceProvider();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
