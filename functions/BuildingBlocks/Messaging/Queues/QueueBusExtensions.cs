using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.BuildingBlocks.Messaging.Queues;

public static class QueueBusExtensions
{
    /// <summary>The bus's ports on storage queues (Azurite locally): publish, dead letters, subscriptions.</summary>
    public static IServiceCollection AddQueueBus(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(_ => new QueueServiceClient(connectionString, QueueMessageBus.ClientOptions));
        services.TryAddSingleton<QueueMessageBus>();
        services.TryAddSingleton<IMessageBus>(sp => sp.GetService<BusFaults>() is { } faults
            ? new FaultSwitchedBus(sp.GetRequiredService<QueueMessageBus>(), faults)
            : sp.GetRequiredService<QueueMessageBus>());
        services.TryAddSingleton<IDeadLetters, QueueDeadLetters>();
        services.TryAddSingleton<ISubscriptionHost, QueueSubscriptionHost>();
        return services;
    }
}

/// <summary>The local bus behind its fault switch: publishing fails while the switch says it is down.</summary>
public sealed class FaultSwitchedBus(IMessageBus inner, BusFaults faults) : IMessageBus
{
    public Task PublishAsync(IReadOnlyList<IntegrationEvent> events, CancellationToken cancellationToken) =>
        faults.IsDown()
            ? Task.FromException(new InvalidOperationException("The bus is down (fault switch)."))
            : inner.PublishAsync(events, cancellationToken);
}
