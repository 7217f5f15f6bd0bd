using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.Orders.CancellingOrder;
using Serverless.Orders.Domain;
using Serverless.Orders.PlacingOrder;
using Serverless.Orders.Saga;
using Serverless.Orders.Storage.Cosmos;
using Serverless.Orders.Storage.Sqlite;

namespace Serverless.Orders;

public sealed class SagaOptions
{
    public const string Section = "Saga";

    /// <summary>How long an order may stay pending before it times out and is compensated.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxBackoffSeconds { get; set; } = 15;

    /// <summary>How long an unfinished order must have been quiet before the reconciler looks at its saga.</summary>
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A saga that has not moved for this long is taken for lost (its messages died with the task hub's
    /// storage) and restarted. Far above the longest quiet spell of a live saga: one backoff plus one
    /// participant call with its retries.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(2);
}

public static class OrdersModule
{
    public const string Service = "orders";

    /// <summary>The Cosmos container of the event store (CosmosLayout); its change feed is the outbox.</summary>
    public const string Container = "orders";

    /// <summary>Everything the orders service registers, whichever host runs it.</summary>
    public static IServiceCollection AddOrders(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete(Service, configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddOptions<SagaOptions>().Bind(configuration.GetSection(SagaOptions.Section));
        services.AddOptions<OrderEventStoreOptions>().Bind(configuration.GetSection(OrderEventStoreOptions.Section));
        services.AddOrderEventStore(configuration);
        services.AddStorageOutboxRelay(configuration, Service, Container);
        services.AddSingleton<SagaStarter>();
        services.AddSingleton<SagaStartQueue>();
        services.AddServiceClient<InventoryClient>(configuration, "inventory");
        services.AddServiceClient<PaymentsClient>(configuration, "payments");
        services.AddServiceClient<ShippingClient>(configuration, "shipping");
        services.AddTransient<IPriceList>(sp => sp.GetRequiredService<InventoryClient>());
        services.AddTransient<PlaceOrderHandler>();
        services.AddTransient<RequestCancellationHandler>();
        return services;
    }

    /// <summary>The one place the event store's adapter is chosen: Cosmos when <c>Storage:Provider=cosmos</c>, else the service's SQLite file.</summary>
    private static void AddOrderEventStore(this IServiceCollection services, IConfiguration configuration)
    {
        if (StorageOptions.UsesCosmos(configuration))
        {
            CosmosLayout.Find(Service, Container);
            services.AddServiceStorage(configuration, Service);
            services.AddSingleton<IOrderEventStore>(sp => new CosmosOrderEventStore(
                sp.GetRequiredKeyedService<Database>(Service).GetContainer(Container), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<OrderEventStoreOptions>>()));
        }
        else
        {
            services.AddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, Service), SqliteOrderEventStore.Schema));
            services.AddSingleton<IOrderEventStore, SqliteOrderEventStore>();
        }
    }
}
