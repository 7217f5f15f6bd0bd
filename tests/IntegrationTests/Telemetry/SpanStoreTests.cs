using System.Diagnostics;
using Serverless.AppHost.Telemetry;

namespace Serverless.IntegrationTests.Telemetry;

/// <summary>The AppHost's span store holds what fits in its byte budget: the newest traces, each up to its span cap.</summary>
public sealed class SpanStoreTests
{
    [Fact]
    public void FillingPastTheBudget_EvictsOldestTraces_KeepsNewest()
    {
        // Given a store with a small budget
        var store = new SpanStore(maxBytes: 64 * 1024);

        // When far more traces end than fit in it
        var traces = Enumerable.Range(0, 2_000).Select(_ => ActivityTraceId.CreateRandom()).ToList();
        foreach (var trace in traces)
        {
            store.Add(Span(trace, "GET /orders"));
            store.Add(Span(trace, "POST /payments"));
        }

        // Then the estimate stays within the budget, the oldest traces are gone and the newest are whole
        Assert.InRange(store.EstimatedBytes, 1, store.MaxBytes);
        Assert.Empty(store.Trace(traces[0]));
        Assert.Empty(store.Trace(traces[1_000]));
        Assert.All(traces.TakeLast(10), trace => Assert.Equal(2, store.Trace(trace).Count));
        var kept = traces.Count(trace => store.Trace(trace).Count > 0);
        Assert.InRange(kept, 10, 1_000);
        Assert.True(traces.SkipWhile(trace => store.Trace(trace).Count == 0).All(trace => store.Trace(trace).Count > 0), "the kept traces are the newest ones, without gaps");
    }

    [Fact]
    public void LongNames_CountAgainstTheBudget()
    {
        // Given two stores with the same budget
        var shortNames = new SpanStore(maxBytes: 64 * 1024);
        var longNames = new SpanStore(maxBytes: 64 * 1024);

        // When the same number of traces end, with short or with long span names
        var traces = Enumerable.Range(0, 2_000).Select(_ => ActivityTraceId.CreateRandom()).ToList();
        foreach (var trace in traces)
        {
            shortNames.Add(Span(trace, "GET"));
            longNames.Add(Span(trace, "GET /" + new string('x', 1_000)));
        }

        // Then the long names leave room for fewer traces, and neither store goes over
        Assert.InRange(longNames.EstimatedBytes, 1, longNames.MaxBytes);
        Assert.True(traces.Count(t => longNames.Trace(t).Count > 0) * 4 < traces.Count(t => shortNames.Trace(t).Count > 0));
    }

    [Fact]
    public void ATraceKeepsAtMostItsSpanCap()
    {
        // Given a store with the default budget
        var store = new SpanStore();
        var trace = ActivityTraceId.CreateRandom();

        // When one trace ends more spans than its cap
        for (var i = 0; i < SpanStore.MaxSpansPerTrace + 500; i++)
        {
            store.Add(Span(trace, "step"));
        }

        // Then it keeps its first spans up to the cap
        Assert.Equal(SpanStore.MaxSpansPerTrace, store.Trace(trace).Count);
        Assert.Equal(64L * 1024 * 1024, store.MaxBytes);
    }

    [Fact]
    public void ATraceLargerThanTheBudget_KeepsWhatFits_AndStaysWithin()
    {
        // Given a budget for only a few spans
        var store = new SpanStore(maxBytes: 2_000);
        var trace = ActivityTraceId.CreateRandom();

        // When one trace ends many more
        for (var i = 0; i < 100; i++)
        {
            store.Add(Span(trace, "step"));
        }

        // Then it keeps the first that fit, and the estimate stays within the budget
        Assert.InRange(store.Trace(trace).Count, 1, 99);
        Assert.InRange(store.EstimatedBytes, 1, store.MaxBytes);
    }

    [Fact]
    public void Recent_ListsNewestTracesFirst_WithRootNameDurationAndServices_LeavingOutOperationsCalls()
    {
        // Given four traces: an order (a gateway root with an orders child), an ops poll, a queue poll, then a catalogue read
        var store = new SpanStore();
        var order = ActivityTraceId.CreateRandom();
        var root = Timed(order, default, "POST /api/orders", "gateway", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), 100);
        store.Add(Timed(order, root.SpanId, "POST api/orders", "orders", root.StartTimeUtc.AddMilliseconds(10), 150));
        store.Add(root);
        store.Add(Timed(ActivityTraceId.CreateRandom(), default, "GET /ops/status", "gateway", root.StartTimeUtc.AddSeconds(1), 5));
        store.Add(Timed(ActivityTraceId.CreateRandom(), default, "QueueClient.ReceiveMessages", "notifications", root.StartTimeUtc.AddSeconds(1.5), 3));
        var catalogue = ActivityTraceId.CreateRandom();
        store.Add(Timed(catalogue, default, "GET /api/inventory", "gateway", root.StartTimeUtc.AddSeconds(2), 7));

        // When the recent traces are listed
        var recent = store.Recent(10);

        // Then the catalogue read comes first, the polls are left out, and the order spans its child's end
        Assert.Equal([catalogue.ToHexString(), order.ToHexString()], recent.Select(t => t.TraceId));
        var placed = recent[1];
        Assert.Equal(("POST /api/orders", 160d, 2), (placed.Name, placed.DurationMs, placed.Spans));
        Assert.Equal(["gateway", "orders"], placed.Services.Order(StringComparer.Ordinal));
        Assert.Single(store.Recent(1));
    }

    private static Activity Timed(ActivityTraceId trace, ActivitySpanId parent, string name, string service, DateTime start, double durationMs)
    {
        var activity = new Activity(name);
        activity.SetParentId(trace, parent, ActivityTraceFlags.Recorded);
        activity.SetStartTime(start);
        activity.SetTag(Serverless.BuildingBlocks.Telemetry.Tracing.ServiceTag, service);
        activity.Start();
        activity.SetEndTime(start.AddMilliseconds(durationMs));
        activity.Stop(); // keeps the end time set above
        return activity;
    }

    private static Activity Span(ActivityTraceId trace, string name)
    {
        var activity = new Activity(name);
        activity.SetParentId(trace, ActivitySpanId.CreateRandom());
        activity.Start();
        activity.Stop();
        return activity;
    }
}
