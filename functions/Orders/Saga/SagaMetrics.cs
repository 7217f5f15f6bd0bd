using System.Diagnostics.Metrics;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>
/// The saga's business metrics, on the meter named like our ActivitySource, which telemetry already exports
/// (Azure Monitor in Azure, the gateway's <c>/ops/metrics</c> locally). Each fact is counted where it is recorded,
/// by the call that recorded it: a replayed activity or a rerun saga finds the event already in the stream and
/// counts nothing. So the counts are at most once per fact: a crash between the append and the count loses one.
/// </summary>
public static class SagaMetrics
{
    private static readonly Meter Meter = new(Tracing.Source.Name);

    /// <summary>Participant answers that will not change on a retry (tagged by step and status): each one wants a look, alert on any.</summary>
    public static readonly Counter<long> StepFailures =
        Meter.CreateCounter<long>("saga.step.failures", description: "Saga steps and compensations that failed permanently");

    /// <summary>
    /// Saga instances scheduled (tag <c>saga</c>: the orchestrator). At least once: the reconciler's restart of an
    /// instance that ended unfinished, stalled or was lost with the task hub's storage counts again; a duplicate start does not.
    /// </summary>
    public static readonly Counter<long> Started =
        Meter.CreateCounter<long>("saga.started", description: "Sagas started (tag saga: OrderSaga, OrderCancellationSaga)");

    public static readonly Counter<long> Confirmed =
        Meter.CreateCounter<long>("saga.confirmed", description: "Orders confirmed by the saga");

    public static readonly Counter<long> Cancelled =
        Meter.CreateCounter<long>("saga.cancelled", description: "Orders cancelled (tag reason), after their compensations");

    /// <summary>Compensations that undid a recorded step (tag <c>step</c>); an undo of a step that never happened is not one.</summary>
    public static readonly Counter<long> Compensations =
        Meter.CreateCounter<long>("saga.compensations", description: "Compensations that undid a recorded step (tag step)");

    /// <summary>From the order's placement to its first final state (tag <c>outcome</c>); a later cancel of a confirmed order is not measured.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "saga.duration", unit: "s", description: "Orders from placement to confirmed or cancelled (tag outcome)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 1800] });

    /// <summary>Counts the order's final state, just recorded by the caller: confirmed, or cancelled with its reason.</summary>
    public static void Finished(Order order, bool wasConfirmed = false)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.Status == OrderStatus.Confirmed)
        {
            Confirmed.Add(1);
        }
        else
        {
            Cancelled.Add(1, new KeyValuePair<string, object?>("reason", order.CancellationReason));
        }

        if (!wasConfirmed)
        {
            Duration.Record((order.UpdatedAt - order.PlacedAt).TotalSeconds, new KeyValuePair<string, object?>("outcome", order.Status));
        }
    }
}
