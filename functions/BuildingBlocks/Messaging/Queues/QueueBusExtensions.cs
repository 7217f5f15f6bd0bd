using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Serverless.BuildingBlocks.Messaging.Queues;

public static class QueueBusExtensions
{
    /// <summary>The bus's ports on storage queues (Azurite locally): publish, dead letters, subscriptions.</summary>
    public static IServiceCollection AddQueueBus(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(_ => new QueueServiceClient(connectionString, QueueMessageBus.ClientOptions));
        services.TryAddSingleton<QueueMessageBus>();
        services.TryAddSingleton<IMessageBus>(sp => sp.GetRequiredService<QueueMessageBus>());
        services.TryAddSingleton<IDeadLetters, QueueDeadLetters>();
        services.TryAddSingleton<ISubscriptionHost, QueueSubscriptionHost>();
        return services;
    }
}
