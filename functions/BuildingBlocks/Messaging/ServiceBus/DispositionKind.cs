namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>What a subscription's receiver does with a message.</summary>
public enum DispositionKind
{
    /// <summary>Hand the event to the handler; complete it when the handler succeeds.</summary>
    Handle,

    /// <summary>Complete it unhandled: a replay meant for another subscription.</summary>
    Skip,

    /// <summary>Abandon it (the handler failed; it comes again until the delivery limit).</summary>
    Abandon,

    /// <summary>Dead-letter it now, with a reason and a description.</summary>
    DeadLetter,
}
