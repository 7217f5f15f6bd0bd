using Microsoft.Extensions.Hosting;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// The subscription port: makes the hosted receiver of one subscription for the configured bus,
/// which hands each message to <typeparamref name="THandler"/> (see <see cref="SubscriptionDispatch"/>)
/// and dead-letters what fails too often. Adapters: <see cref="Queues.QueueSubscriptionHost"/>,
/// <see cref="ServiceBus.ServiceBusSubscriptionHost"/>.
/// </summary>
public interface ISubscriptionHost
{
    IHostedService Receive<THandler>(string topic, string subscriber)
        where THandler : class, IIntegrationEventHandler;
}
