using System.Diagnostics;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.AppHost.Telemetry;

/// <summary>One recorded span, as <c>GET /ops/traces/{traceId}</c> returns it.</summary>
public sealed record SpanView(string Service, string Name, string SpanId, string? ParentSpanId, DateTimeOffset Start, double DurationMs);

/// <summary>One recorded trace in short, as <c>GET /ops/traces</c> lists it: its root span's name, when it started, how long it took, who took part.</summary>
public sealed record TraceSummary(string TraceId, string Name, DateTimeOffset Start, double DurationMs, IReadOnlyList<string> Services, int Spans);

/// <summary>
/// The local stand-in for Application Insights' transaction search: every span that ends in this
/// process, kept per trace (at most <see cref="MaxSpansPerTrace"/> each) within an estimated
/// <see cref="MaxBytes"/> of memory; the oldest traces go first. A span's service is the component
/// that recorded it: its own <see cref="Tracing.ServiceTag"/>, else its nearest ancestor's (an HTTP
/// client span belongs to the service that made the call).
/// </summary>
/// <param name="serviceOf">Names the component of spans that libraries record without the tag (null: inherit).</param>
/// <param name="maxBytes">The memory budget, estimated (<see cref="DefaultMaxBytes"/> when not given).</param>
public sealed class SpanStore(Func<Activity, string?>? serviceOf = null, long maxBytes = SpanStore.DefaultMaxBytes)
{
    public const long DefaultMaxBytes = 64L * 1024 * 1024;
    public const int MaxSpansPerTrace = 2_000;

    // Rough per-object costs on a 64-bit runtime: object headers, fields, the list/dictionary/queue slots.
    private const int SpanOverheadBytes = 160;
    private const int TraceOverheadBytes = 120;

    private readonly Lock _gate = new();
    private readonly Dictionary<ActivityTraceId, List<Recorded>> _traces = [];
    private readonly Queue<ActivityTraceId> _order = new();
    private readonly Dictionary<ActivityTraceId, long> _traceBytes = [];
    private long _bytes;

    public long MaxBytes { get; } = maxBytes > 0 ? maxBytes : throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "The span store needs a positive budget.");

    /// <summary>What the spans held now take, estimated as <see cref="MaxBytes"/> is; never more than it.</summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Records a span that has just ended (an ActivityListener's ActivityStopped).</summary>
    public void Add(Activity activity)
    {
        var recorded = new Recorded(
            activity.TraceId, activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            activity.DisplayName, activity.GetTagItem(Tracing.ServiceTag) as string ?? serviceOf?.Invoke(activity),
            new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero), activity.Duration.TotalMilliseconds);
        var spanBytes = SizeOf(recorded);
        lock (_gate)
        {
            var known = _traces.TryGetValue(recorded.TraceId, out var spans);
            if (known && spans!.Count >= MaxSpansPerTrace)
            {
                return;
            }

            var needed = spanBytes + (known ? 0 : TraceOverheadBytes);
            while (_bytes + needed > MaxBytes && _order.TryPeek(out var oldest) && oldest != recorded.TraceId)
            {
                Evict(_order.Dequeue());
            }

            if (_bytes + needed > MaxBytes)
            {
                return; // this one trace alone fills the budget: keep what it has
            }

            if (!known)
            {
                spans = [];
                _traces[recorded.TraceId] = spans;
                _traceBytes[recorded.TraceId] = 0;
                _order.Enqueue(recorded.TraceId);
            }

            spans!.Add(recorded);
            _traceBytes[recorded.TraceId] += needed;
            _bytes += needed;
        }
    }

    /// <summary>The trace's spans in start order; empty when none is known (yet, or any more).</summary>
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

    /// <summary>
    /// The <paramref name="limit"/> most recently started traces of calls through the gateway (rooted in a
    /// <c>gateway</c> span: background polling of queues and feeds is left out), newest first, without the ones that
    /// only watch the system (<see cref="Watches"/>: a dashboard polling every 2 s would fill the list).
    /// </summary>
    public IReadOnlyList<TraceSummary> Recent(int limit)
    {
        List<ActivityTraceId> ids;
        lock (_gate)
        {
            ids = [.. _order];
        }

        var summaries = new List<TraceSummary>();
        for (var i = ids.Count - 1; i >= 0 && summaries.Count < limit; i--)
        {
            if (Summarize(ids[i], Trace(ids[i])) is { RootService: "gateway" } trace && !Watches(trace.Summary.Name))
            {
                summaries.Add(trace.Summary);
            }
        }

        return [.. summaries.OrderByDescending(s => s.Start)];
    }

    /// <summary>A gateway call of the system watching itself (its span is named "METHOD /path"): the operations API, health probes, the web UI's files.</summary>
    public static bool Watches(string rootName) =>
        WatchingPaths.Any(path => rootName.Contains(' ' + path, StringComparison.Ordinal)) || rootName.EndsWith(" /", StringComparison.Ordinal);

    private static readonly string[] WatchingPaths = ["/ops", "/health", "/web/", "/openapi.json", "/docs"];

    private static (TraceSummary Summary, string RootService)? Summarize(ActivityTraceId traceId, IReadOnlyList<SpanView> spans)
    {
        if (spans.Count == 0)
        {
            return null;
        }

        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var root = spans.FirstOrDefault(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)) ?? spans[0];
        var start = spans.Min(s => s.Start);
        var end = spans.Max(s => s.Start.AddMilliseconds(s.DurationMs));
        return (new TraceSummary(traceId.ToHexString(), root.Name, start, Math.Round((end - start).TotalMilliseconds, 3),
            [.. spans.Select(s => s.Service).Distinct(StringComparer.Ordinal)], spans.Count), root.Service);
    }

    private void Evict(ActivityTraceId traceId)
    {
        _traces.Remove(traceId);
        _traceBytes.Remove(traceId, out var freed);
        _bytes -= freed;
    }

    private static long SizeOf(Recorded span) =>
        SpanOverheadBytes + (2L * (span.SpanId.Length + (span.ParentSpanId?.Length ?? 0) + span.Name.Length + (span.Service?.Length ?? 0)));

    private sealed record Recorded(ActivityTraceId TraceId, string SpanId, string? ParentSpanId, string Name, string? Service, DateTimeOffset Start, double DurationMs);
}
