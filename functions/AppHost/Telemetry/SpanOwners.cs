using System.Diagnostics;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.Orders;
using Serverless.Orders.Saga;

namespace Serverless.AppHost.Telemetry;

/// <summary>
/// Which app a span belongs to in this one process that runs them all. In Azure each app is its own process and
/// exports every span it records; here every app's exporter sees every span, so each keeps only its own.
/// </summary>
public static class SpanOwners
{
    /// <summary>
    /// The component of a span that libraries record without <see cref="Tracing.ServiceTag"/>: the Durable Task
    /// SDK's orchestration and activity spans belong to the saga (orders is the one app with orchestrations).
    /// </summary>
    public static string? UntaggedComponent(Activity span) =>
        span.Source.Name.StartsWith("Microsoft.DurableTask", StringComparison.Ordinal) && !span.DisplayName.StartsWith("create_", StringComparison.Ordinal)
            ? SagaActivities.Service
            : null;

    /// <summary>
    /// The app (or <c>gateway</c>) that recorded <paramref name="span"/>: the component of the span or of its nearest
    /// in-process ancestor (a call's client span belongs to the app that made the call); null for the host's own work.
    /// </summary>
    public static string? AppOf(Activity span)
    {
        for (var current = span; current is not null; current = current.Parent)
        {
            if ((current.GetTagItem(Tracing.ServiceTag) as string ?? UntaggedComponent(current)) is { } component)
            {
                return component == SagaActivities.Service ? OrdersModule.Service : component;
            }
        }

        return null;
    }
}
