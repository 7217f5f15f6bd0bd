using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.BuildingBlocks.Messaging.Queues;

/// <summary>Hosts a subscription on the local bus: one <see cref="QueueSubscriptionProcessor{THandler}"/> polling its queue.</summary>
public sealed class QueueSubscriptionHost(IServiceProvider services) : ISubscriptionHost
{
    public IHostedService Receive<THandler>(string topic, string subscriber)
        where THandler : class, IIntegrationEventHandler =>
        new QueueSubscriptionProcessor<THandler>(topic, subscriber, services.GetRequiredService<QueueServiceClient>(), services.GetRequiredService<BusTopology>(), services,
            services.GetRequiredService<ILogger<QueueSubscriptionProcessor<THandler>>>(), services.GetService<IServiceFaults>(), services.GetService<BusFaults>());
}
