using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;
using Serverless.OrderHistory;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Reading;
using Serverless.OrderHistory.Rebuilding;
using Serverless.OrderHistory.Storage.Cosmos;
using Serverless.OrderHistory.Storage.Sqlite;
using static Serverless.IntegrationTests.OrderHistory.HistoryEvents;

namespace Serverless.IntegrationTests.OrderHistory;

/// <summary>The app picks its adapters from <c>Storage:Provider</c> in one place, and each set is complete.</summary>
[Collection("cosmos")]
public sealed class OrderHistoryModuleTests(CosmosServerFixture cosmos) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "history-module-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public void Sqlite_StoresInItsFile_AndPollsEachSourcesFeedOverHttp()
    {
        using var services = Build(new() { ["Storage:DataDirectory"] = _data });

        Assert.IsType<SqliteOrderHistoryStore>(services.GetRequiredService<IOrderHistoryStore>());
        Assert.IsType<FeedEndpointReplay>(services.GetRequiredService<ISourceReplay>());
        Assert.Equal(3, services.GetServices<IHostedService>().OfType<SourceFeedConsumer>().Count());
        Assert.NotNull(ActivatorUtilities.CreateInstance<HistoryFunctions>(services));
    }

    [Fact]
    public async Task Cosmos_FeedsTheHistoryContainer_FromTheSourcesContainers_ThroughTheChangeFeed()
    {
        // Given the app configured for Cosmos, its layout created under a prefix of the test's own
        var prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-";
        var options = new CosmosOptions { Endpoint = cosmos.Account.Endpoint, Key = cosmos.Account.Key, DatabasePrefix = prefix };
        await CosmosLayout.EnsureCreatedAsync(cosmos.Client, options, ["orders", "payments", "shipping", OrderHistoryModule.Name]);
        using var services = Build(new()
        {
            [StorageOptions.ProviderKey] = "cosmos",
            ["Cosmos:Endpoint"] = options.Endpoint,
            ["Cosmos:Key"] = options.Key,
            ["Cosmos:DatabasePrefix"] = prefix,
        });
        var store = Assert.IsType<CosmosOrderHistoryStore>(services.GetRequiredService<IOrderHistoryStore>());
        Assert.IsType<CosmosSourceReplay>(services.GetRequiredService<ISourceReplay>());
        Assert.Empty(services.GetServices<IHostedService>().OfType<SourceFeedConsumer>());
        Assert.NotNull(ActivatorUtilities.CreateInstance<HistoryFunctions>(services));
        var feed = services.GetServices<IHostedService>().OfType<CosmosHistoryFeed>().Single();
        await feed.StartAsync(CancellationToken.None);
        try
        {
            // When Orders saves an order's placement in its container
            var placed = Placed("order-m", "alice", 4m);
            var document = new JsonObject { ["id"] = "0000000001", ["streamId"] = "order-m", ["events"] = JsonSerializer.SerializeToNode(new[] { placed }, IntegrationEvent.Json) };
            using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(document));
            using var saved = await cosmos.Client.GetDatabase(prefix + "orders").GetContainer("orders").CreateItemStreamAsync(stream, new PartitionKey("order-m"));
            Assert.True(saved.IsSuccessStatusCode);

            // Then the history has it
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await store.ForCustomerAsync("alice")).Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "The order never reached the history.");
                await Task.Delay(50);
            }

            Assert.Equal(prefix + OrderHistoryModule.Name, store.Container.Database.Id);
        }
        finally
        {
            await feed.StopAsync(CancellationToken.None);
        }
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddOrderHistory(configuration).BuildServiceProvider();
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
