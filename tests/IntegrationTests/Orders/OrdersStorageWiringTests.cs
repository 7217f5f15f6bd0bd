using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;
using Serverless.Orders;
using Serverless.Orders.Domain;
using Serverless.Orders.Storage.Cosmos;
using Serverless.Orders.Storage.Sqlite;

namespace Serverless.IntegrationTests.Orders;

/// <summary>AddOrders picks the event store's adapter from <c>Storage:Provider</c>, in one place.</summary>
[Collection("cosmos")]
public sealed class OrdersStorageWiringTests(CosmosServerFixture cosmos)
{
    private static readonly OrderPlaced Placed = new("alice", [new OrderLine("SKU-1", 1, 10m)], 10m, new ShippingAddress("1 Main St", "Seoul", "04524", "KR"));

    [Fact]
    public async Task CosmosProvider_StoresOrdersInTheOrdersContainer_OfTheServicesDatabase()
    {
        // Given the orders service configured for Cosmos, with its database laid out as in Azure
        var options = new CosmosOptions { Endpoint = cosmos.Account.Endpoint, Key = cosmos.Account.Key, DatabasePrefix = $"wiring-{Guid.NewGuid():N}-" };
        await CosmosLayout.EnsureCreatedAsync(cosmos.Client, options, [OrdersModule.Service]);
        await using var provider = Build(new()
        {
            ["Storage:Provider"] = "cosmos",
            ["Cosmos:Endpoint"] = options.Endpoint,
            ["Cosmos:Key"] = options.Key,
            ["Cosmos:DatabasePrefix"] = options.DatabasePrefix,
        });

        // When an order is stored through the registered event store
        var store = provider.GetRequiredService<IOrderEventStore>();
        await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));

        // Then it is the Cosmos adapter on <prefix>orders/orders, the order is there, and no SQLite file is opened
        var container = Assert.IsType<CosmosOrderEventStore>(store).Container;
        Assert.Equal((options.DatabasePrefix + "orders", "orders"), (container.Database.Id, container.Id));
        Assert.Equal(1, (await store.LoadOrderAsync("order-1"))!.Version);
        Assert.Null(provider.GetService<SqliteDatabase>());
    }

    [Fact]
    public async Task NoProvider_StoresOrdersInTheServicesSqliteFile()
    {
        var folder = Path.Combine(Path.GetTempPath(), "orders-wiring-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using (var provider = Build(new() { ["Storage:DataDirectory"] = folder }))
            {
                var store = provider.GetRequiredService<IOrderEventStore>();
                await store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));

                Assert.IsType<SqliteOrderEventStore>(store);
                Assert.Equal(1, (await store.LoadOrderAsync("order-1"))!.Version);
                Assert.True(File.Exists(Path.Combine(folder, "orders", "orders.db")));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddLogging().AddOrders(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();
}
