using System.Diagnostics;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.AppHost.Telemetry;

/// <summary>One recorded span, as <c>GET /ops/traces/{traceId}</c> returns it.</summary>
public sealed record SpanView(string Service, string Name, string SpanId, string? ParentSpanId, DateTimeOffset Start, double DurationMs);

/// <summary>
/// The local stand-in for Application Insights' transaction search: every span that ends in this
/// process, kept per trace for the most recent <see cref="MaxTraces"/> traces. A span's service is
/// the component that recorded it: its own <see cref="Tracing.ServiceTag"/>, else its nearest
/// ancestor's (an HTTP client span belongs to the service that made the call).
/// </summary>
/// <param name="serviceOf">Names the component of spans that libraries record without the tag (null: inherit).</param>
public sealed class SpanStore(Func<Activity, string?>? serviceOf = null)
{
    public const int MaxTraces = 20_000;
    private const int MaxSpansPerTrace = 2_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<ActivityTraceId, List<Recorded>> _traces = [];
    private readonly Queue<ActivityTraceId> _order = new();

    /// <summary>Records a span that has just ended (an ActivityListener's ActivityStopped).</summary>
    public void Add(Activity activity)
    {
        var recorded = new Recorded(
            activity.TraceId, activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            activity.DisplayName, activity.GetTagItem(Tracing.ServiceTag) as string ?? serviceOf?.Invoke(activity),
            new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero), activity.Duration.TotalMilliseconds);
        lock (_gate)
        {
            if (!_traces.TryGetValue(recorded.TraceId, out var spans))
            {
                spans = [];
                _traces[recorded.TraceId] = spans;
                _order.Enqueue(recorded.TraceId);
                while (_order.Count > MaxTraces)
                {
                    _traces.Remove(_order.Dequeue());
                }
            }

            if (spans.Count < MaxSpansPerTrace)
            {
                spans.Add(recorded);
            }
        }
    }

    /// <summary>The trace's spans in start order; empty when none is known (yet).</summary>
    public IReadOnlyList<SpanView> Trace(ActivityTraceId traceId)
    {
        List<Recorded> spans;
        lock (_gate)
        {
            spans = _traces.TryGetValue(traceId, out var found) ? [.. found] : [];
        }

        var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        string ServiceOf(Recorded span)
        {
            for (var (current, hops) = (span, 0); hops < 64; hops++)
            {
                if (current.Service is not null)
                {
                    return current.Service;
                }

                if (current.ParentSpanId is null || !byId.TryGetValue(current.ParentSpanId, out current!))
                {
                    break;
                }
            }

            return "apphost";
        }

        return [.. spans.OrderBy(s => s.Start).Select(s => new SpanView(ServiceOf(s), s.Name, s.SpanId, s.ParentSpanId, s.Start, Math.Round(s.DurationMs, 3)))];
    }

    private sealed record Recorded(ActivityTraceId TraceId, string SpanId, string? ParentSpanId, string Name, string? Service, DateTimeOffset Start, double DurationMs);
}
