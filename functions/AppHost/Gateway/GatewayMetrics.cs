using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Serverless.AppHost.Gateway;

/// <summary>
/// Request metrics per route: one histogram of durations tagged with the route, method and status,
/// so rate (count), errors (4xx/5xx counts) and latency (buckets) all come from it. Exported in the
/// Prometheus format on <c>/ops/metrics</c>; API Management's <c>emit-metric</c> is the Azure twin.
/// It counts what the gateway rejects itself (401, 413, 429) as well as what it forwards.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Serverless.Gateway";
    private const string Unmatched = "(unmatched)";

    private readonly Histogram<double> _duration;

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _duration = meter.CreateHistogram(
            "gateway.request.duration",
            unit: "s",
            description: "Requests through the gateway: count, status and duration per route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    public async Task Record(HttpContext context, RequestDelegate next)
    {
        var start = Stopwatch.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? Unmatched;
            _duration.Record(
                Stopwatch.GetElapsedTime(start).TotalSeconds,
                new KeyValuePair<string, object?>("http.route", route),
                new KeyValuePair<string, object?>("http.request.method", context.Request.Method),
                new KeyValuePair<string, object?>("http.response.status_code", status));
        }
    }
}
