using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.Orders;

public sealed class SagaOptions
{
    public const string Section = "Saga";

    /// <summary>How long an order may stay pending before it times out and is compensated.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxBackoffSeconds { get; set; } = 15;
}

public static class OrdersModule
{
    /// <summary>Everything the orders service registers, whichever host runs it.</summary>
    public static IServiceCollection AddOrders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddOutboxRelay(configuration);
        services.AddOptions<SagaOptions>().Bind(configuration.GetSection(SagaOptions.Section));
        services.AddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, "orders"), OrderEventStore.Schema));
        services.AddOptions<OrderEventStoreOptions>().Bind(configuration.GetSection(OrderEventStoreOptions.Section));
        services.AddSingleton<OrderEventStore>();
        services.AddSingleton<IOrderEventStore>(sp => sp.GetRequiredService<OrderEventStore>());
        services.AddSingleton<SagaStarter>();
        services.AddServiceClient<InventoryClient>(configuration, "inventory");
        services.AddServiceClient<PaymentsClient>(configuration, "payments");
        services.AddServiceClient<ShippingClient>(configuration, "shipping");
        return services;
    }
}
