using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

public static class ServiceBusBusExtensions
{
    /// <summary>The bus's ports on Azure Service Bus: publish, dead letters, subscriptions.</summary>
    public static IServiceCollection AddServiceBusBus(this IServiceCollection services, BusOptions options)
    {
        services.TryAddSingleton(_ => new ServiceBusConnection(options));
        services.TryAddSingleton<ServiceBusEntities>();
        services.TryAddSingleton<ServiceBusMessageBus>();
        services.TryAddSingleton<IMessageBus>(sp => sp.GetRequiredService<ServiceBusMessageBus>());
        services.TryAddSingleton<IDeadLetters, ServiceBusDeadLetters>();
        services.TryAddSingleton<ISubscriptionHost, ServiceBusSubscriptionHost>();
        return services;
    }
}
