using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>Hosts a subscription on Service Bus: one <see cref="ServiceBusSubscriptionProcessor{THandler}"/> per (topic, subscription).</summary>
public sealed class ServiceBusSubscriptionHost(IServiceProvider services) : ISubscriptionHost
{
    public IHostedService Receive<THandler>(string topic, string subscriber)
        where THandler : class, IIntegrationEventHandler =>
        new ServiceBusSubscriptionProcessor<THandler>(topic, subscriber, services.GetRequiredService<ServiceBusConnection>(), services.GetRequiredService<ServiceBusEntities>(),
            services.GetRequiredService<BusTopology>(), services, services.GetRequiredService<ILogger<ServiceBusSubscriptionProcessor<THandler>>>(), services.GetService<IServiceFaults>());
}
