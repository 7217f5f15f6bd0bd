using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Messaging.Queues;
using Serverless.BuildingBlocks.Messaging.ServiceBus;
using Serverless.BuildingBlocks.Storage.Sqlite;

namespace Serverless.BuildingBlocks.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// The change feed and the bus chosen by <see cref="BusOptions"/> (locally: Azurite queues from
    /// <c>Bus:ConnectionString</c>). Without a bus configured the service still runs locally; its outbox simply
    /// accumulates until a bus is there. In Azure mode a relay or subscription without a bus fails the start.
    /// </summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ChangeFeed>();
        return services.AddBus(configuration);
    }

    /// <summary>
    /// The bus's ports for the configured provider (<see cref="IMessageBus"/>, <see cref="IDeadLetters"/>,
    /// <see cref="ISubscriptionHost"/>) and the <see cref="BusTopology"/>; only the topology when no bus is configured.
    /// </summary>
    public static IServiceCollection AddBus(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => new BusTopology(configuration));
        var bus = BusOptions.From(configuration);
        return bus.Provider switch
        {
            BusProvider.Queues => services.AddQueueBus(bus.ConnectionString!),
            BusProvider.ServiceBus => services.AddServiceBusBus(bus),
            _ => services,
        };
    }

    /// <summary>Relays the service's outbox (its change feed) to the bus, at least once, in order.</summary>
    public static IServiceCollection AddOutboxRelay(this IServiceCollection services, IConfiguration configuration)
    {
        if (!BusOptions.IsAvailableFor(configuration, "The outbox relay"))
        {
            return services;
        }

        services.AddSingleton<IHostedService>(sp =>
        {
            var bus = sp.GetRequiredService<IMessageBus>();
            return new ChangeFeedProcessor("bus-relay", sp.GetRequiredService<ChangeFeed>(),
                (batch, ct) => bus.PublishAsync(batch.Select(b => b.Event).ToList(), ct),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("OutboxRelay"), faults: sp.GetService<Hosting.IServiceFaults>(),
                replay: RelayReplay.For(BusOptions.From(configuration)), clock: sp.GetService<TimeProvider>());
        });
        return services;
    }

    /// <summary>Subscribes <typeparamref name="THandler"/> as <paramref name="subscriber"/> to each topic, on whichever bus is configured.</summary>
    public static IServiceCollection AddSubscriber<THandler>(this IServiceCollection services, IConfiguration configuration, string subscriber, params string[] topics)
        where THandler : class, IIntegrationEventHandler
    {
        services.AddScoped<THandler>();
        if (!BusOptions.IsAvailableFor(configuration, $"The {subscriber} subscription"))
        {
            return services;
        }

        foreach (var topic in topics)
        {
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ISubscriptionHost>().Receive<THandler>(topic, subscriber));
        }

        return services;
    }

    /// <summary>The schema a store needs for outbox, feed checkpoints and inbox, added to its own.</summary>
    public static string WithMessaging(this string schema) => schema + "\n" + Outbox.Schema;
}
