using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Serverless.BuildingBlocks.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// The bus (local: Azurite queues from <c>Bus:ConnectionString</c>). Without one configured the
    /// service still runs; its outbox simply accumulates until a bus is there.
    /// </summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<BusTopology>();
        services.AddSingleton<ChangeFeed>();
        var connection = configuration["Bus:ConnectionString"];
        if (!string.IsNullOrEmpty(connection))
        {
            services.AddSingleton(_ => new QueueServiceClient(connection, QueueMessageBus.ClientOptions));
            services.AddSingleton<QueueMessageBus>();
            services.AddSingleton<IMessageBus>(sp => sp.GetRequiredService<QueueMessageBus>());
        }

        return services;
    }

    /// <summary>Relays the service's outbox (its change feed) to the bus, at least once, in order.</summary>
    public static IServiceCollection AddOutboxRelay(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration["Bus:ConnectionString"]))
        {
            return services;
        }

        services.AddSingleton<IHostedService>(sp =>
        {
            var bus = sp.GetRequiredService<IMessageBus>();
            return new ChangeFeedProcessor("bus-relay", sp.GetRequiredService<ChangeFeed>(),
                (batch, ct) => bus.PublishAsync(batch.Select(b => b.Event).ToList(), ct),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("OutboxRelay"), faults: sp.GetService<Hosting.IServiceFaults>());
        });
        return services;
    }

    /// <summary>Subscribes <typeparamref name="THandler"/> as <paramref name="subscriber"/> to each topic.</summary>
    public static IServiceCollection AddSubscriber<THandler>(this IServiceCollection services, IConfiguration configuration, string subscriber, params string[] topics)
        where THandler : class, IIntegrationEventHandler
    {
        services.AddScoped<THandler>();
        if (string.IsNullOrEmpty(configuration["Bus:ConnectionString"]))
        {
            return services;
        }

        foreach (var topic in topics)
        {
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<SubscriptionProcessor<THandler>>(sp, topic, subscriber, sp.GetRequiredService<Hosting.IServiceFaults>()));
        }

        return services;
    }

    /// <summary>The schema a store needs for outbox, feed checkpoints and inbox, added to its own.</summary>
    public static string WithMessaging(this string schema) => schema + "\n" + Outbox.Schema;
}
