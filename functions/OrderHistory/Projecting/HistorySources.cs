using System.Diagnostics;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.OrderHistory.Projecting;

/// <summary>A service whose change feed the history reads; in Cosmos, the container whose documents carry its events.</summary>
public sealed record HistorySource(string Service, string Container);

public static class HistorySources
{
    /// <summary>Where events come from (the topic of an event = the service that produced it).</summary>
    public static readonly IReadOnlyList<HistorySource> All =
    [
        new("orders", "orders"),
        new("payments", "charges"),
        new("shipping", "shipments"),
    ];

    /// <summary>Each event is projected inside the trace it was raised in.</summary>
    public static Activity? ProjectionSpan(IntegrationEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Tracing.StartSpan($"project {e.Type}", OrderHistoryModule.Name, e.TraceParent, ActivityKind.Consumer);
    }
}
