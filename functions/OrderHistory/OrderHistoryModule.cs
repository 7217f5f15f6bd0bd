using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
    /// The query side (CQRS): its own store, fed only by the change feeds of Orders, Payments and
    /// Shipping (their events, never calls to their APIs). It keeps answering while they are down.
    /// </summary>
    public static IServiceCollection AddOrderHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, Name), HistoryProjection.Schema));
        services.AddSingleton<HistoryProjection>();
        services.AddSingleton<HistoryRebuilder>();
        services.AddSingleton<ProjectionLag>();
        foreach (var source in HistoryProjection.Sources)
        {
            services.AddHttpClient(source, c => c.BaseAddress = ServiceDefaults.ServiceAddress(source))
                .AddHttpMessageHandler<Serverless.BuildingBlocks.Auth.ServiceTokenHandler>();
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<SourceFeedConsumer>(sp, source));
        }

        return services;
    }
}
