using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.Orders.Domain;
using Serverless.Orders.Storage.Sqlite;
using Serverless.Orders.Storage.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Cosmos;
using Serverless.BuildingBlocks.Storage.Cosmos;

namespace Serverless.Benchmarks;

/// <summary>
/// Orders' event store: does loading an order cost the same whatever its stream's length? Streams of
/// 10, 10,000 and 10,049 events, loaded with snapshots (every <see cref="OrderEventStoreOptions.SnapshotEvery"/>,
/// the configured default) and without, on a temp SQLite file and on the local Cosmos DB server (metrics
/// suffixed <c>_cosmos</c>).
/// <para>
/// The worst tail: a stream of 10,000 + k events is a snapshot plus k events to replay. For k in
/// 0, 1, N/4, N/2 and N - 1 (N = SnapshotEvery) it is loaded against a stream of k events (no snapshot:
/// the same k events replayed from the start; the two measured in alternation, so noise weighs on both), for N
/// dividing 10,000; the k with the highest ratio is the worst tail. k = 0 has
/// no stream of 0 events (no order), so its ratio is the 10,000 against the 10-event stream
/// (<c>es_load_ratio_10000_vs_10</c>). The cost of writing snapshots is <c>es_append_ms</c>: the mean
/// of one-event appends to a fresh stream over a whole number of snapshot periods, against the same
/// without snapshots. With N <= 10 the 10-event stream itself loads from a snapshot.
/// </para>
/// </summary>
internal sealed class EventStoreLoadBenchmark : IBenchmark
{
    private const int Short = 10;
    private const int Long = 10_000;
    private const int LongestTail = Long + 49; // 10,049: a 49-event tail with snapshots every 50 (the name is kept across N)

    /// <summary>
    /// The snapshot period the store runs with unless configured otherwise; <c>BENCH_ES_SNAPSHOT_EVERY</c> measures
    /// another (to compare periods on one build).
    /// </summary>
    private static readonly int Every = Math.Max(1, int.TryParse(Environment.GetEnvironmentVariable("BENCH_ES_SNAPSHOT_EVERY"), NumberStyles.None, CultureInfo.InvariantCulture, out var every)
        ? every
        : new OrderEventStoreOptions().SnapshotEvery);

    /// <summary>The tails measured: 0, 1, N/4, N/2, N - 1.</summary>
    private static readonly int[] Tails = [.. new[] { 0, 1, Every / 4, Every / 2, Every - 1 }.Distinct().Order()];

    public string Name => "Event store load (Orders)";

    public IReadOnlyDictionary<string, string> Units { get; } = BuildUnits();

    private static Dictionary<string, string> BuildUnits()
    {
        var units = new Dictionary<string, string>
        {
            ["es_snapshot_every"] = "events (N: the configured default, or BENCH_ES_SNAPSHOT_EVERY)",
            ["es_load_ms_10"] = "ms (median)",
            ["es_load_ms_10000"] = "ms (median)",
            ["es_load_ms_10049"] = $"ms, {LongestTail % Every}-event tail",
            ["es_load_ms_10_no_snapshots"] = "ms (median)",
            ["es_load_ms_10000_no_snapshots"] = "ms (median)",
            ["es_load_ratio_10000_vs_10"] = "x, target <= 1.5",
            ["es_load_ratio_10000_vs_10_no_snapshots"] = "x, grows with length",
            ["es_load_ratio_10049_vs_10"] = $"x, a {LongestTail % Every}-event tail against a 10-event stream",
            ["es_worst_tail_k"] = "events after the last snapshot (worst of " + string.Join(", ", Tails) + ")",
            ["es_load_ms_worst_tail"] = "ms (median), 10,000 + k events",
            ["es_load_ratio_worst_tail"] = "x, load(10,000 + k) / load(k events), target <= 1.5",
            ["es_load_ratio_worst_tail_vs_10"] = "x, max over k of load(10,000 + k) / load(10 events)",
            ["es_append_ms"] = "ms (mean of one-event appends, snapshots included)",
            ["es_append_ms_no_snapshots"] = "ms (mean of one-event appends)",
        };
        foreach (var k in Tails)
        {
            units[$"es_load_ratio_tail_{k}"] = k == 0 ? "x, 10,000 against 10 events (no 0-event stream)" : $"x, load(10,000 + {k}) / load({k} events)";
        }

        foreach (var key in units.Keys.ToList())
        {
            if (key != "es_snapshot_every")
            {
                units[key + "_cosmos"] = units[key] + (key == "es_load_ms_10" ? ", local Cosmos server" : "");
            }
        }

        return units;
    }

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var results = new Dictionary<string, double> { ["es_snapshot_every"] = Every };
        var folder = Path.Combine(Path.GetTempPath(), "bench-es-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // Loads that replay 10,000 events are slow: fewer rounds for them.
            await MeasureAsync(results, "", (quick ? 50 : 200, quick ? 300 : 2_000, quick ? 10 : 40), quick ? 200 : 1_000,
                (name, every) => Task.FromResult<IOrderEventStore>(new SqliteOrderEventStore(new SqliteDatabase(Path.Combine(folder, name + ".db"), SqliteOrderEventStore.Schema),
                    TimeProvider.System, Options.Create(new OrderEventStoreOptions { SnapshotEvery = every }))), ct);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        // The same on Cosmos DB: the local server, in memory, one container per store.
        await using var server = await CosmosServerProcess.EnsureRunningAsync(new CosmosServerOptions { Port = 0 }, LocalSystem.FindRepoRoot(), null, NullLogger.Instance, ct);
        using var client = CosmosClientFactory.Create(new CosmosOptions { Endpoint = server.Options.Endpoint, Key = server.Options.Key });
        Database database = await client.CreateDatabaseIfNotExistsAsync("bench-es", cancellationToken: ct);
        await MeasureAsync(results, "_cosmos", (quick ? 20 : 50, quick ? 100 : 500, quick ? 5 : 20), quick ? 200 : 1_000, async (name, every) =>
        {
            Container container = await database.CreateContainerIfNotExistsAsync(new ContainerProperties(name, "/" + CosmosOrderEventStore.PartitionKey), cancellationToken: ct);
            return new CosmosOrderEventStore(container, TimeProvider.System, Options.Create(new OrderEventStoreOptions { SnapshotEvery = every }));
        }, ct);
        return results;
    }

    private static async Task MeasureAsync(Dictionary<string, double> results, string suffix, (int Warmup, int Rounds, int SlowRounds) rounds, int appends,
        Func<string, int, Task<IOrderEventStore>> create, CancellationToken ct)
    {
        // The sweep's streams: 10,000 + k ("tail-k") and k ("k-k") events, k > 0 (k = 0 is "long" against "short").
        var sweep = Tails.Where(k => k > 0).SelectMany(k => new[] { ($"tail-{k}", Long + k), ($"k-{k}", k) });
        var withSnapshots = await SeedAsync(await create("snapshots", Every), [("short", Short), ("long", Long), ("longest-tail", LongestTail), .. sweep], ct);
        var withoutSnapshots = await SeedAsync(await create("no-snapshots", 0), [("short", Short), ("long", Long)], ct);
        var (warmup, count, slow) = rounds;
        var short10 = await MedianLoadMsAsync(withSnapshots, "short", Short, warmup, count, ct);
        var long10000 = await MedianLoadMsAsync(withSnapshots, "long", Long, warmup, count, ct);
        var longestTail = await MedianLoadMsAsync(withSnapshots, "longest-tail", LongestTail, warmup, count, ct);
        var short10None = await MedianLoadMsAsync(withoutSnapshots, "short", Short, warmup, count, ct);
        var long10000None = await MedianLoadMsAsync(withoutSnapshots, "long", Long, 2, slow, ct);
        results["es_load_ms_10" + suffix] = short10;
        results["es_load_ms_10000" + suffix] = long10000;
        results["es_load_ms_10049" + suffix] = longestTail;
        results["es_load_ratio_10000_vs_10" + suffix] = long10000 / short10;
        results["es_load_ratio_10049_vs_10" + suffix] = longestTail / short10;
        results["es_load_ms_10_no_snapshots" + suffix] = short10None;
        results["es_load_ms_10000_no_snapshots" + suffix] = long10000None;
        results["es_load_ratio_10000_vs_10_no_snapshots" + suffix] = long10000None / short10None;

        // The worst tail: each 10,000 + k stream against the k-event one, measured in alternation so that
        // a noisy moment weighs on both sides of a ratio.
        var tails = new List<(int K, double TailMs, double Ratio, double VsShort)> { (0, long10000, long10000 / short10, long10000 / short10) };
        foreach (var k in Tails.Where(k => k > 0))
        {
            var (tailMs, streamMs) = await MedianPairMsAsync(withSnapshots, ($"tail-{k}", Long + k), ($"k-{k}", k), warmup, count, ct);
            tails.Add((k, tailMs, tailMs / streamMs, tailMs / short10));
        }

        foreach (var t in tails)
        {
            results[$"es_load_ratio_tail_{t.K}" + suffix] = t.Ratio;
        }

        var worst = tails.MaxBy(t => t.Ratio);
        results["es_worst_tail_k" + suffix] = worst.K;
        results["es_load_ms_worst_tail" + suffix] = worst.TailMs;
        results["es_load_ratio_worst_tail" + suffix] = worst.Ratio;
        results["es_load_ratio_worst_tail_vs_10" + suffix] = tails.Max(t => t.VsShort);

        // What snapshots cost the writer: one-event appends to a fresh stream, snapshots every N and none.
        (results["es_append_ms" + suffix], results["es_append_ms_no_snapshots" + suffix]) = await MeanAppendMsAsync(withSnapshots, withoutSnapshots, appends, ct);
    }

    /// <summary>
    /// Streams placed, then reserve/release pairs: "short" (10), "long" (10,000, ending on a snapshot when
    /// N divides 10,000), "longest-tail" (10,049) and the tail sweep's.
    /// </summary>
    private static async Task<IOrderEventStore> SeedAsync(IOrderEventStore store, IEnumerable<(string Id, int Count)> streams, CancellationToken ct)
    {
        foreach (var (id, count) in streams)
        {
            const int chunk = 500;
            for (var start = 0; start < count; start += chunk)
            {
                ct.ThrowIfCancellationRequested();
                var events = Enumerable.Range(start + 1, Math.Min(chunk, count - start)).Select(Event).ToList();
                await store.AppendAsync(id, start, events, newStream: start == 0 ? ("bench", null) : null);
            }
        }

        return store;
    }

    private static IOrderEvent Event(int version) => version switch
    {
        1 => new OrderPlaced("bench", [new OrderLine("SKU-1", 2, 10m)], 20m, new ShippingAddress("1 Main St", "Seoul", "04524", "KR")),
        _ when version % 2 == 0 => new StockReserved(),
        _ => new StockReleased(),
    };

    /// <summary>
    /// The means of <paramref name="appends"/> one-event appends to a new stream in each store, taken in
    /// alternation (a whole number of snapshot periods when N divides it; the snapshots' writes included).
    /// </summary>
    private static async Task<(double First, double Second)> MeanAppendMsAsync(IOrderEventStore first, IOrderEventStore second, int appends, CancellationToken ct)
    {
        var id = "append-" + Guid.NewGuid().ToString("N")[..8];
        await first.AppendAsync(id, 0, [Event(1)], newStream: ("bench", null));
        await second.AppendAsync(id, 0, [Event(1)], newStream: ("bench", null));
        var (a, b) = (0.0, 0.0);
        for (var version = 1; version <= appends; version++)
        {
            ct.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            await first.AppendAsync(id, version, [Event(version + 1)]);
            a += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            started = Stopwatch.GetTimestamp();
            await second.AppendAsync(id, version, [Event(version + 1)]);
            b += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return (a / appends, b / appends);
    }

    /// <summary>The medians of two streams' loads, taken in alternation (one of each per round).</summary>
    private static async Task<(double First, double Second)> MedianPairMsAsync(IOrderEventStore store, (string Id, int Version) first, (string Id, int Version) second,
        int warmup, int rounds, CancellationToken ct)
    {
        for (var i = 0; i < warmup; i++)
        {
            await LoadAsync(store, first.Id, first.Version);
            await LoadAsync(store, second.Id, second.Version);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var (a, b) = (new double[rounds], new double[rounds]);
        for (var i = 0; i < rounds; i++)
        {
            ct.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            await LoadAsync(store, first.Id, first.Version);
            a[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            started = Stopwatch.GetTimestamp();
            await LoadAsync(store, second.Id, second.Version);
            b[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return (Median(a), Median(b));
    }

    private static double Median(double[] samples)
    {
        Array.Sort(samples);
        var n = samples.Length;
        return n % 2 == 1 ? samples[n / 2] : (samples[(n / 2) - 1] + samples[n / 2]) / 2;
    }

    private static async Task LoadAsync(IOrderEventStore store, string id, int version)
    {
        var order = await store.LoadOrderAsync(id);
        if (order?.Version != version)
        {
            throw new InvalidOperationException($"Stream {id} loaded at version {order?.Version}, expected {version}.");
        }
    }

    private static async Task<double> MedianLoadMsAsync(IOrderEventStore store, string id, int version, int warmup, int rounds, CancellationToken ct)
    {
        for (var i = 0; i < warmup; i++)
        {
            await LoadAsync(store, id, version);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var samples = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            ct.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            await LoadAsync(store, id, version);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return Median(samples);
    }
}
