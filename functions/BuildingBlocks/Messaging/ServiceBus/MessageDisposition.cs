namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>
/// A receiver's decision about one message (<see cref="ServiceBusEnvelope.Receive"/>,
/// <see cref="ServiceBusEnvelope.AfterFailure"/>): the event to handle, or the reason and description
/// to dead-letter it with, or the properties to abandon it with.
/// </summary>
public sealed record MessageDisposition(
    DispositionKind Kind,
    IntegrationEvent? Event = null,
    string? Reason = null,
    string? Description = null,
    IReadOnlyDictionary<string, object>? Properties = null);
