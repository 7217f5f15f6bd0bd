using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage.Cosmos;

namespace Serverless.BuildingBlocks.Storage;

/// <summary>Each app picks its store adapters here, from <c>Storage:Provider</c>, and nowhere else.</summary>
public static class StorageExtensions
{
    /// <summary>
    /// The service's own database: its SQLite file with <paramref name="sqliteSchema"/> (plus the
    /// aggregate and outbox tables), or its Cosmos database (a shared <see cref="CosmosClient"/>).
    /// </summary>
    public static IServiceCollection AddServiceStorage(this IServiceCollection services, IConfiguration configuration, string serviceName, string sqliteSchema = "")
    {
        if (StorageOptions.UsesCosmos(configuration))
        {
            services.AddOptions<CosmosOptions>().Bind(configuration.GetSection(CosmosOptions.Section));
            services.TryAddSingleton(sp => CosmosClientFactory.Create(sp.GetRequiredService<IOptions<CosmosOptions>>().Value));
            services.TryAddKeyedSingleton(serviceName, (sp, _) =>
                sp.GetRequiredService<CosmosClient>().GetDatabase(CosmosLayout.DatabaseName(sp.GetRequiredService<IOptions<CosmosOptions>>().Value, serviceName)));
        }
        else
        {
            var schema = sqliteSchema + "\n" + SqliteAggregateStore.Schema;
            services.TryAddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, serviceName), schema.WithMessaging()));
        }

        return services;
    }

    /// <summary>The <see cref="IAggregateStore{T}"/> of <typeparamref name="T"/>, kept in <paramref name="container"/> (Cosmos) or the aggregates table (SQLite).</summary>
    public static IServiceCollection AddAggregateStore<T>(this IServiceCollection services, IConfiguration configuration, string serviceName, string container)
        where T : class
    {
        var kind = typeof(T).Name;
        if (StorageOptions.UsesCosmos(configuration))
        {
            var spec = CosmosLayout.Find(serviceName, container);
            services.AddSingleton<IAggregateStore<T>>(sp => new CosmosAggregateStore<T>(
                sp.GetRequiredKeyedService<Database>(serviceName).GetContainer(container), spec.PartitionKeyPath.TrimStart('/'), sp.GetRequiredService<TimeProvider>(), kind));
        }
        else
        {
            services.AddSingleton<IAggregateStore<T>>(sp => new SqliteAggregateStore<T>(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>(), kind));
        }

        return services;
    }

    /// <summary>
    /// Relays the events the service's stores saved to the bus, at least once: from the SQLite outbox
    /// table, or from the change feed of each Cosmos container in <paramref name="eventContainers"/>.
    /// </summary>
    public static IServiceCollection AddStorageOutboxRelay(this IServiceCollection services, IConfiguration configuration, string serviceName, params string[] eventContainers)
    {
        if (!StorageOptions.UsesCosmos(configuration))
        {
            return services.AddOutboxRelay(configuration);
        }

        if (!BusOptions.IsAvailableFor(configuration, "The outbox relay"))
        {
            return services;
        }

        foreach (var container in eventContainers)
        {
            CosmosLayout.Find(serviceName, container);
            services.AddSingleton<IHostedService>(sp =>
            {
                var database = sp.GetRequiredKeyedService<Database>(serviceName);
                var bus = sp.GetRequiredService<IMessageBus>();
                return new CosmosEventFeedProcessor($"bus-relay-{container}", database.GetContainer(container), database.GetContainer(CosmosLayout.Leases),
                    bus.PublishAsync, sp.GetRequiredService<ILoggerFactory>().CreateLogger("OutboxRelay"), sp.GetService<IServiceFaults>(),
                    replay: RelayReplay.For(BusOptions.From(configuration)));
            });
        }

        return services;
    }
}
