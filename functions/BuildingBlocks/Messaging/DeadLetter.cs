namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// A dead letter as an operator sees it: where it lies (the poison queue, or the subscription's
/// dead-letter queue), the event's id, type and subject, and why it died.
/// </summary>
public sealed record DeadLetter(string Queue, string MessageId, string Type, string Subject, string Reason, DateTimeOffset? At);
