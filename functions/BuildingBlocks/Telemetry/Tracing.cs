using System.Diagnostics;

namespace Serverless.BuildingBlocks.Telemetry;

/// <summary>
/// Distributed tracing conventions: every span knows the component that recorded it (the
/// <see cref="ServiceTag"/>, set on a service's request span and inherited by its children), and work
/// that runs outside a request (saga steps, event consumers) starts its span from the trace context
/// the work carries (W3C <c>traceparent</c>), so one order is one trace from the gateway to the consumers.
/// </summary>
public static class Tracing
{
    /// <summary>The component that recorded a span: gateway, orders, orders-saga, notifications, ...</summary>
    public const string ServiceTag = "shop.service";

    public static readonly ActivitySource Source = new("Serverless.Shop");

    /// <summary>Names the component of the current span (a request's server span).</summary>
    public static void MarkService(string service) => Activity.Current?.SetTag(ServiceTag, service);

    /// <summary>
    /// A span for work done on behalf of <paramref name="traceParent"/>: a child of the current span when that
    /// is already in the same trace (a Durable activity runs inside the worker's span, which the Durable Task SDK
    /// parents to the orchestration), else a child of <paramref name="traceParent"/> (null: a new trace).
    /// </summary>
    public static Activity? StartSpan(string name, string service, string? traceParent, ActivityKind kind = ActivityKind.Internal)
    {
        var activity = ActivityContext.TryParse(traceParent, null, out var parent) && Activity.Current?.TraceId != parent.TraceId
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
        activity?.SetTag(ServiceTag, service);
        return activity;
    }
}
