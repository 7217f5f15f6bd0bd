using Azure;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Microsoft.Extensions.Logging;

namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>
/// Creates what the topology needs and is missing: a topic per producer with duplicate detection on
/// (by MessageId, within <see cref="DuplicateDetectionWindow"/>), a subscription per consumer with
/// MaxDeliveryCount = <see cref="BusTopology.MaxDeliveries"/>, dead-lettering of expired messages and
/// the replay filter (<see cref="ServiceBusEnvelope.SubscriptionFilter"/>) as its only rule. Existing
/// entities are left as they are. This needs the right to manage entities (Azure Service Bus Data
/// Owner, or a connection string with Manage); an identity with only Data Sender and Data Receiver
/// gets "unauthorized", and then the entities are the infrastructure's to create: this says so in
/// the log once and stops trying.
/// </summary>
public sealed class ServiceBusEntities(ServiceBusConnection connection, BusTopology topology, ILogger<ServiceBusEntities> logger)
{
    public static readonly TimeSpan DuplicateDetectionWindow = TimeSpan.FromMinutes(10);

    private readonly Lock _lock = new();
    private Task? _topology;
    private volatile bool _mayManage = true;

    /// <summary>Whether the last attempt was allowed to manage entities (false after an "unauthorized").</summary>
    public bool MayManage => _mayManage;

    /// <summary>The whole topology, once per process (again after a failure other than "unauthorized").</summary>
    public Task EnsureTopologyOnceAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_topology is null || _topology.IsFaulted || _topology.IsCanceled)
            {
                _topology = EnsureTopologyAsync(CancellationToken.None);
            }

            return _topology.WaitAsync(cancellationToken);
        }
    }

    public async Task EnsureTopologyAsync(CancellationToken cancellationToken)
    {
        foreach (var (topic, subscribers) in topology.Topics)
        {
            await EnsureTopicAsync(topic, cancellationToken);
            foreach (var subscriber in subscribers)
            {
                await EnsureSubscriptionAsync(topic, subscriber, cancellationToken);
            }
        }
    }

    public Task EnsureTopicAsync(string topic, CancellationToken cancellationToken) =>
        Manage(async admin =>
        {
            if (!(await admin.TopicExistsAsync(topic, cancellationToken)).Value)
            {
                await admin.CreateTopicAsync(
                    new CreateTopicOptions(topic) { RequiresDuplicateDetection = true, DuplicateDetectionHistoryTimeWindow = DuplicateDetectionWindow },
                    cancellationToken);
                logger.LogInformation("Service Bus topic {Topic} created", topic);
            }
        });

    public Task EnsureSubscriptionAsync(string topic, string subscriber, CancellationToken cancellationToken) =>
        Manage(async admin =>
        {
            await EnsureTopicAsync(topic, cancellationToken);
            if (!(await admin.SubscriptionExistsAsync(topic, subscriber, cancellationToken)).Value)
            {
                await admin.CreateSubscriptionAsync(
                    new CreateSubscriptionOptions(topic, subscriber) { MaxDeliveryCount = topology.MaxDeliveries, DeadLetteringOnMessageExpiration = true },
                    new CreateRuleOptions(CreateRuleOptions.DefaultRuleName, new SqlRuleFilter(ServiceBusEnvelope.SubscriptionFilter(subscriber))),
                    cancellationToken);
                logger.LogInformation("Service Bus subscription {Topic}/{Subscriber} created", topic, subscriber);
            }
        });

    private async Task Manage(Func<ServiceBusAdministrationClient, Task> action)
    {
        if (!_mayManage)
        {
            return;
        }

        try
        {
            await action(connection.Administration);
        }
        catch (ServiceBusException ex) when (ex.Reason == ServiceBusFailureReason.MessagingEntityAlreadyExists)
        {
            // Another instance created it first.
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException || ex is RequestFailedException { Status: 401 or 403 })
        {
            _mayManage = false;
            logger.LogWarning("Not allowed to manage Service Bus entities on {Namespace} ({Error}); the topics and subscriptions must exist already", connection.Namespace, ex.Message);
        }
    }
}
