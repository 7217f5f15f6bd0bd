namespace Serverless.BuildingBlocks.Messaging;

/// <summary>Which adapter carries the bus (<c>Bus:Provider</c>).</summary>
public enum BusProvider
{
    /// <summary>No bus configured: services run, their outboxes accumulate.</summary>
    None,

    /// <summary>Azurite (or Azure Storage) queues: the local bus.</summary>
    Queues,

    /// <summary>Azure Service Bus topics and subscriptions.</summary>
    ServiceBus,
}
