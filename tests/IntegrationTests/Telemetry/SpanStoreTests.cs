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

    private static Activity Span(ActivityTraceId trace, string name)
    {
        var activity = new Activity(name);
        activity.SetParentId(trace, ActivitySpanId.CreateRandom());
        activity.Start();
        activity.Stop();
        return activity;
    }
}
