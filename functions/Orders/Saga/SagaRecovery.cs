using Microsoft.DurableTask.Client;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>What the reconciler does with one recorded saga start.</summary>
public enum RecoveryAction
{
    /// <summary>The saga finished its order: the record can go.</summary>
    Forget,

    /// <summary>Too young to judge, or alive and moving: leave it.</summary>
    Leave,

    /// <summary>No instance (never started, or lost with the task hub's last writes): start it.</summary>
    Start,

    /// <summary>The instance ended but the order is not final (its history was lost or cut short): start it again.</summary>
    Restart,

    /// <summary>The instance exists but has not moved for longer than <see cref="SagaOptions.StaleAfter"/>: terminate it, then restart.</summary>
    Terminate,
}

/// <summary>
/// The reconciliation rule, from the sources of truth: the order's own stream says whether its saga
/// still has work to do; the task hub says whether a saga is doing it. Re-running a saga from its
/// recorded input is safe because every participant applies a step at most once per order id.
/// </summary>
public static class SagaRecovery
{
    /// <summary>Whether the saga <paramref name="start"/> names has nothing left to do for <paramref name="order"/>.</summary>
    public static bool Finished(SagaStart start, Order? order)
    {
        ArgumentNullException.ThrowIfNull(start);
        return order is null || (start.Orchestrator == nameof(OrderSaga.OrderCancellationSaga)
            ? order.Status == OrderStatus.Cancelled
            : order.Status != OrderStatus.Pending);
    }

    /// <summary>The starter (or the saga) acted on this order moments ago: give it time before judging (and before asking the task hub).</summary>
    public static bool TooSoonToJudge(Order order, DateTimeOffset now, SagaOptions options)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(options);
        return now - order.UpdatedAt < options.ReconcileAfter;
    }

    public static RecoveryAction Decide(SagaStart start, Order? order, OrchestrationMetadata? instance, DateTimeOffset now, SagaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Finished(start, order))
        {
            return RecoveryAction.Forget;
        }

        if (TooSoonToJudge(order!, now, options))
        {
            return RecoveryAction.Leave;
        }

        if (instance is null)
        {
            return RecoveryAction.Start;
        }

        if (instance.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
        {
            return RecoveryAction.Restart;
        }

        // Running, pending or suspended: a live saga updates at least every backoff; one that has not for this long lost its messages.
        return now - instance.LastUpdatedAt > options.StaleAfter ? RecoveryAction.Terminate : RecoveryAction.Leave;
    }
}
