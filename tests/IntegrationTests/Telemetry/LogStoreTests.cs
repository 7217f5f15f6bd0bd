using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serverless.AppHost.Telemetry;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.IntegrationTests.Telemetry;

/// <summary>
/// The AppHost's log store: lines of every component in one place, found by correlation id, order id or trace id
/// (a line without its own ids gets its trace's), paged oldest first, bounded, kept across a restart, never holding a secret.
/// </summary>
public sealed class LogStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "logstore-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void LinesOfOneTrace_GetTheRequestsCorrelationId_AndTheTracesOrderId()
    {
        // Given the gateway's request in trace T with correlation id C, and the order id logged later in T by orders
        var store = new LogStore();
        var trace = ActivityTraceId.CreateRandom().ToHexString();
        var other = ActivityTraceId.CreateRandom().ToHexString();
        store.Correlate(trace, "C-1");
        store.Add(At(0), "Information", "gateway", "POST /api/orders answered 202", "C-1", trace, null);
        store.Add(At(1), "Information", "orders", "Order o-1 placed", null, trace, "o-1");
        store.Add(At(2), "Information", "notifications", "Notified", "o-1", trace, "o-1"); // an event's scope: correlation = its order
        store.Add(At(3), "Information", "orders", "Order o-2 placed", null, other, "o-2");

        // When searching by the correlation id and by the order id
        var byCorrelation = store.Query(new LogQuery(CorrelationId: "C-1"), 0, 100).Items;
        var byOrder = store.Query(new LogQuery(OrderId: "o-1"), 0, 100).Items;
        var byTrace = store.Query(new LogQuery(TraceId: other), 0, 100).Items;

        // Then the three lines of T come back by either id, oldest first, with the request's correlation id and the trace's order
        Assert.Equal(["gateway", "orders", "notifications"], byCorrelation.Select(l => l.Service));
        Assert.All(byCorrelation, l => Assert.Equal("C-1", l.CorrelationId));
        Assert.Equal(byCorrelation, byOrder);
        Assert.Equal("o-1", byOrder[0].OrderId);
        Assert.Equal("Order o-2 placed", Assert.Single(byTrace).Message);
        Assert.Empty(store.Query(new LogQuery(CorrelationId: "C-1", OrderId: "o-2"), 0, 100).Items);
    }

    [Fact]
    public void Pages_FollowOnWithoutRepeatOrGap()
    {
        // Given 25 lines of one correlation id among others
        var store = new LogStore();
        for (var i = 0; i < 50; i++)
        {
            store.Add(At(i), "Information", "orders", $"line {i}", i % 2 == 0 ? "even" : "odd", null, null);
        }

        // When reading them 10 at a time
        var seen = new List<string>();
        long? next = 0;
        var pages = 0;
        while (next is { } after)
        {
            var (items, following) = store.Query(new LogQuery(CorrelationId: "even"), after, 10);
            seen.AddRange(items.Select(i => i.Message));
            next = following;
            pages++;
        }

        // Then every one comes once, in order, in 3 pages (10, 10, 5)
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"line {i * 2}"), seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public void FillingPastTheBudget_DropsOldestLines()
    {
        var store = new LogStore(maxBytes: 64 * 1024);
        for (var i = 0; i < 5_000; i++)
        {
            store.Add(At(i), "Information", "orders", $"line {i} " + new string('x', 100), "c", null, null);
        }

        var kept = store.Query(new LogQuery(CorrelationId: "c"), 0, 500).Items;
        Assert.InRange(store.Count, 10, 1_000);
        Assert.DoesNotContain(kept, l => l.Message.StartsWith("line 0 ", StringComparison.Ordinal));
        Assert.Equal(store.Query(new LogQuery(CorrelationId: "c"), 0, 500).Items.Count, Math.Min(store.Count, 500));
        Assert.StartsWith("line 4999 ", store.Query(new LogQuery(CorrelationId: "c"), 4_999, 1).Items.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARestart_ReadsBackTheFile_AndAnUnreadableLineIsSkipped()
    {
        // Given lines written to the file, then a line cut short by a crash
        var file = Path.Combine(_folder, "logs", "shop.jsonl");
        await using (var first = new LogStore(file))
        {
            var trace = ActivityTraceId.CreateRandom().ToHexString();
            first.Correlate(trace, "C-restart");
            first.Add(At(0), "Information", "gateway", "POST /api/orders answered 202", null, trace, null);
            first.Add(At(1), "Warning", "orders-saga", "Order o-9 cancelled", null, trace, "o-9");
            await first.FlushAsync();
        }

        await File.AppendAllTextAsync(file, "{\"at\":\"2026-");

        // When a new store starts on the same file
        await using var second = new LogStore(file);

        // Then the earlier lines are found again, with their ids
        var lines = second.Query(new LogQuery(CorrelationId: "C-restart"), 0, 100).Items;
        Assert.Equal(["gateway", "orders-saga"], lines.Select(l => l.Service));
        Assert.Equal("Warning", lines[1].Level);
        Assert.Equal("o-9", lines[1].OrderId);
    }

    [Fact]
    public async Task TheFileRotates_KeepingOneOlderFile()
    {
        var file = Path.Combine(_folder, "logs", "shop.jsonl");
        await using var store = new LogStore(file, maxFileBytes: 16 * 1024);
        for (var i = 0; i < 500; i++)
        {
            store.Add(At(i), "Information", "orders", $"line {i} " + new string('y', 100), "r", null, null);
            if (i % 50 == 0)
            {
                await store.FlushAsync();
            }
        }

        await store.FlushAsync();
        Assert.True(File.Exists(file + ".1"));
        Assert.InRange(new FileInfo(file).Length, 1, 16 * 1024 + 8 * 1024);
        Assert.Contains("line 499 ", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
    }

    [Fact]
    public void TheProvider_NamesTheComponentAndReadsOrderIdFromTheTemplateAndCorrelationIdFromScopes()
    {
        // Given the store's provider for the orders app, and a span of the saga
        var store = new LogStore();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new LogStoreProvider(store, "orders")));
        var logger = factory.CreateLogger("Test");
        using var listener = new ActivityListener { ShouldListenTo = _ => true, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData };
        ActivitySource.AddActivityListener(listener);

        // When it logs inside the saga's span, with a correlation scope, and outside any span
        string traceId;
        using (var span = Tracing.StartSpan("saga ConfirmOrder", "orders-saga", traceParent: null))
        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = "C-7" }))
        {
            traceId = span!.TraceId.ToHexString();
            logger.LogInformation("Order {OrderId} confirmed", "o-7");
        }

        logger.LogWarning("Timer {Name} late", "ReconcileSagas");

        // Then the first line is the saga's, with both ids and the trace; the second is the app's own
        var saga = store.Query(new LogQuery(OrderId: "o-7"), 0, 10).Items.Single();
        Assert.Equal(("orders-saga", "Information", "C-7", traceId, "Order o-7 confirmed"), (saga.Service, saga.Level, saga.CorrelationId, saga.TraceId, saga.Message));
        Assert.Equal(2, store.Count);
    }

    [Theory]
    [InlineData("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl here", "eyJzdWIi")]
    [InlineData("Authorization: Bearer abc.def-ghi", "abc.def")]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqF==;QueueEndpoint=x", "Eby8vdM02")]
    [InlineData("AccountEndpoint=https://a/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==", "C2y6yDjf5")]
    [InlineData("hash pbkdf2-sha256$100000$APn3f2S+C25Zx/cA5bPFIQ==$3fx0miRP", "APn3f2S")]
    [InlineData("GET /x?sig=abcdef123&se=2030", "abcdef123")]
    public void TheRedactor_RemovesSecretsByShape(string message, string secretPart)
    {
        var redacted = new LogRedactor().Redact(message);
        Assert.DoesNotContain(secretPart, redacted, StringComparison.Ordinal);
        Assert.Contains(LogRedactor.Mask, redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRedactor_RemovesConfiguredSecretValues_AndLeavesTheRestAlone()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LocalHost:ClientSecrets:orders"] = "orders-local-dev-key",
            ["Identity:Users:alice:Password"] = "alice-password",
            ["Saga:Deadline"] = "00:10:00",
        }).Build();
        var redactor = new LogRedactor();
        redactor.Add(configuration);

        Assert.Equal($"login with {LogRedactor.Mask} as client orders ({LogRedactor.Mask})", redactor.Redact("login with alice-password as client orders (orders-local-dev-key)"));
        Assert.Equal("deadline 00:10:00 for order o-1", redactor.Redact("deadline 00:10:00 for order o-1"));
        Assert.True(LogRedactor.IsSecretKey("Cosmos:Key"));
        Assert.True(LogRedactor.IsSecretKey("Bus__ConnectionString"));
        Assert.False(LogRedactor.IsSecretKey("Saga:Deadline"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static DateTimeOffset At(int second) => new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero).AddSeconds(second);
}
