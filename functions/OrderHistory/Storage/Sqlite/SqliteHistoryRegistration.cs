using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Hosting;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Rebuilding;

namespace Serverless.OrderHistory.Storage.Sqlite;

/// <summary>The order history's SQLite adapter set, registered by <see cref="OrderHistoryModule"/> when <c>Storage:Provider</c> is <c>sqlite</c>.</summary>
public static class SqliteHistoryRegistration
{
    /// <summary>Local: the SQLite store, fed by polling each source's feed over HTTP; a rebuild reads the same feeds.</summary>
    public static IServiceCollection AddSqliteHistory(this IServiceCollection services)
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

}
