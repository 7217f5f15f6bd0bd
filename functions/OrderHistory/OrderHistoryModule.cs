using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
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
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddServiceStorage(configuration, Name, SqliteOrderHistoryStore.Schema);
        services.AddSingleton<ProjectionLag>();
        services.AddSingleton<HistoryRebuilder>();
        return StorageOptions.UsesCosmos(configuration) ? services.AddCosmosHistory() : services.AddSqliteHistory();
    }

    /// <summary>Local: the SQLite store, fed by polling each source's feed over HTTP; a rebuild reads the same feeds.</summary>
    private static IServiceCollection AddSqliteHistory(this IServiceCollection services)
    {
        services.AddSingleton<SqliteOrderHistoryStore>();
        services.AddSingleton<IOrderHistoryStore>(sp => sp.GetRequiredService<SqliteOrderHistoryStore>());
        services.AddSingleton<ISourceReplay, FeedEndpointReplay>();
        foreach (var source in HistorySources.All)
        {
            services.AddHttpClient(source.Service, c => c.BaseAddress = ServiceDefaults.ServiceAddress(source.Service))
                .AddHttpMessageHandler<ServiceTokenHandler>();
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<SourceFeedConsumer>(sp, source));
        }

        return services;
    }

    /// <summary>Cosmos: the <c>history</c> container, fed by change feed processors on the sources' containers; a rebuild reads those feeds with the pull model.</summary>
    private static IServiceCollection AddCosmosHistory(this IServiceCollection services)
    {
        var history = CosmosLayout.Find(Name, "history");
        foreach (var source in HistorySources.All)
        {
            CosmosLayout.Find(source.Service, source.Container);
        }

        services.AddSingleton<IOrderHistoryStore>(sp => new CosmosOrderHistoryStore(sp.GetRequiredKeyedService<Database>(Name).GetContainer(history.Container)));
        services.AddSingleton<ISourceReplay>(sp => new CosmosSourceReplay(SourceContainers(sp)));
        services.AddSingleton<IHostedService>(sp => new CosmosHistoryFeed(
            SourceContainers(sp), sp.GetRequiredKeyedService<Database>(Name).GetContainer(CosmosLayout.Leases), sp.GetRequiredService<IOrderHistoryStore>(),
            sp.GetRequiredService<ProjectionLag>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetService<IServiceFaults>()));
        return services;
    }

    /// <summary>The sources' containers, in their services' databases (the history's identity reads their change feeds).</summary>
    private static Func<HistorySource, Container> SourceContainers(IServiceProvider sp)
    {
        var client = sp.GetRequiredService<CosmosClient>();
        var options = sp.GetRequiredService<IOptions<CosmosOptions>>().Value;
        return source => client.GetDatabase(CosmosLayout.DatabaseName(options, source.Service)).GetContainer(source.Container);
    }
}
