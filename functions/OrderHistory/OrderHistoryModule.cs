using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Rebuilding;

namespace Serverless.OrderHistory;

public static class OrderHistoryModule
{
    public const string Name = "order-history";

    /// <summary>
    /// The query side (CQRS): its own store, fed only by events from Orders, Payments and Shipping
    /// through its bus subscriptions, never by calls to them. It keeps answering while they are down.
    /// </summary>
    public static IServiceCollection AddOrderHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, Name), HistoryProjection.Schema));
        services.AddSingleton<HistoryProjection>();
        services.AddSubscriber<HistoryEventHandler>(configuration, Name, HistoryProjection.Sources);
        services.AddSingleton<HistoryRebuilder>();
        foreach (var source in HistoryProjection.Sources)
        {
            services.AddHttpClient(source, c => c.BaseAddress = ServiceDefaults.ServiceAddress(configuration, source))
                .AddHttpMessageHandler<Serverless.BuildingBlocks.Auth.ServiceTokenHandler>();
        }

        return services;
    }
}
