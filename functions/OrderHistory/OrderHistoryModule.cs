using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Rebuilding;
using Serverless.OrderHistory.Storage.Cosmos;
using Serverless.OrderHistory.Storage.Sqlite;

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
        AzureSettings.ThrowIfIncomplete(Name, configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddServiceStorage(configuration, Name, SqliteOrderHistoryStore.Schema);
        services.AddSingleton<ProjectionLag>();
        services.AddGauge("order_history.projection.lag", "ms", "How far the order history is behind its sources (age of the oldest unapplied change)",
            sp =>
            {
                var lag = sp.GetRequiredService<ProjectionLag>();
                return () => [new(lag.Milliseconds())];
            });
        services.AddSingleton<HistoryRebuilder>();
        return StorageOptions.UsesCosmos(configuration) ? services.AddCosmosHistory() : services.AddSqliteHistory();
    }
}
