using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Rebuilding;

namespace Serverless.OrderHistory.Storage.Cosmos;

/// <summary>The order history's Cosmos adapter set, registered by <see cref="OrderHistoryModule"/> when <c>Storage:Provider</c> is <c>cosmos</c>.</summary>
public static class CosmosHistoryRegistration
{
    private const string Name = OrderHistoryModule.Name;

    /// <summary>Cosmos: the <c>history</c> container, fed by change feed processors on the sources' containers; a rebuild reads those feeds with the pull model.</summary>
    public static IServiceCollection AddCosmosHistory(this IServiceCollection services)
    {
        var history = CosmosLayout.Find(Name, "history");
        var parked = CosmosLayout.Find(Name, "parked");
        foreach (var source in HistorySources.All)
        {
            CosmosLayout.Find(source.Service, source.Container);
        }

        services.AddSingleton<IOrderHistoryStore>(sp => new CosmosOrderHistoryStore(
            sp.GetRequiredKeyedService<Database>(Name).GetContainer(history.Container), sp.GetRequiredKeyedService<Database>(Name).GetContainer(parked.Container),
            sp.GetRequiredService<ILogger<CosmosOrderHistoryStore>>()));
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
