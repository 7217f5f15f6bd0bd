using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>
/// Everything the saga needs, fixed when it starts (the orchestrator reads no clock or config), and the
/// trace context of the request that placed the order, so the saga's steps join that trace.
/// </summary>
public sealed record OrderSagaInput(
    string OrderId,
    string CustomerId,
    IReadOnlyList<OrderLine> Items,
    decimal Total,
    string Country,
    DateTime DeadlineUtc,
    int MaxBackoffSeconds,
    string? TraceParent = null);

/// <summary>
/// What a step activity says: done, refused by the participant (a business "no"), the customer asked to cancel,
/// or failed for good (the participant's answer will not change on a retry; already logged and counted as an alert).
/// </summary>
public enum StepOutcome
{
    Done,
    Refused,
    CancelRequested,
    Failed,
}

public sealed record SagaResult(string Status, string? CancellationReason);

public sealed record CancelOrderInput(string OrderId, string Reason);
