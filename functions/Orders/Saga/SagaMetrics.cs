using System.Diagnostics.Metrics;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.Orders.Saga;

/// <summary>The saga's counters, on the meter named like our ActivitySource, which telemetry already exports.</summary>
public static class SagaMetrics
{
    private static readonly Meter Meter = new(Tracing.Source.Name);

    /// <summary>Participant answers that will not change on a retry (tagged by step and status): each one wants a look, alert on any.</summary>
    public static readonly Counter<long> StepFailures =
        Meter.CreateCounter<long>("saga.step.failures", description: "Saga steps and compensations that failed permanently");
}
