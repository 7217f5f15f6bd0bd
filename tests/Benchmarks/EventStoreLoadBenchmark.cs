using System.Diagnostics;
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
/// 10, 10,000 and 10,049 events, loaded with snapshots (every 50) and without, on a temp SQLite file and on
/// the local Cosmos DB server (metrics suffixed <c>_cosmos</c>).
/// </summary>
internal sealed class EventStoreLoadBenchmark : IBenchmark
{
    private const int Short = 10;
    private const int Long = 10_000;
    private const int LongestTail = Long + 49; // the most events a load replays after a snapshot

    public string Name => "Event store load (Orders)";

    public IReadOnlyDictionary<string, string> Units { get; } = new Dictionary<string, string>
    {
        ["es_load_ms_10"] = "ms (median)",
        ["es_load_ms_10000"] = "ms (median)",
        ["es_load_ms_10049"] = "ms, 49-event tail",
        ["es_load_ms_10_no_snapshots"] = "ms (median)",
        ["es_load_ms_10000_no_snapshots"] = "ms (median)",
        ["es_load_ratio_10000_vs_10"] = "x, target <= 1.5",
        ["es_load_ratio_10000_vs_10_no_snapshots"] = "x, grows with length",
        ["es_load_ratio_10049_vs_10"] = "x, worst tail (49 events after the last snapshot)",
        ["es_load_ms_10_cosmos"] = "ms (median), local Cosmos server",
        ["es_load_ms_10000_cosmos"] = "ms (median)",
        ["es_load_ms_10049_cosmos"] = "ms, 49-event tail",
        ["es_load_ratio_10000_vs_10_cosmos"] = "x, target <= 1.5",
        ["es_load_ratio_10049_vs_10_cosmos"] = "x, worst tail",
        ["es_load_ms_10_no_snapshots_cosmos"] = "ms (median)",
        ["es_load_ms_10000_no_snapshots_cosmos"] = "ms (median)",
        ["es_load_ratio_10000_vs_10_no_snapshots_cosmos"] = "x, grows with length",
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var results = new Dictionary<string, double>();
        var folder = Path.Combine(Path.GetTempPath(), "bench-es-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // Loads that replay 10,000 events are slow: fewer rounds for them.
            await MeasureAsync(results, "", (quick ? 50 : 200, quick ? 300 : 2_000, quick ? 10 : 40),
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
        await MeasureAsync(results, "_cosmos", (quick ? 20 : 50, quick ? 100 : 500, quick ? 5 : 20), async (name, every) =>
        {
            Container container = await database.CreateContainerIfNotExistsAsync(new ContainerProperties(name, "/" + CosmosOrderEventStore.PartitionKey), cancellationToken: ct);
            return new CosmosOrderEventStore(container, TimeProvider.System, Options.Create(new OrderEventStoreOptions { SnapshotEvery = every }));
        }, ct);
        return results;
    }

    private static async Task MeasureAsync(Dictionary<string, double> results, string suffix, (int Warmup, int Rounds, int SlowRounds) rounds,
        Func<string, int, Task<IOrderEventStore>> create, CancellationToken ct)
    {
        var withSnapshots = await SeedAsync(await create("snapshots", 50), ct);
        var withoutSnapshots = await SeedAsync(await create("no-snapshots", 0), ct);
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
    }

    /// <summary>
    /// A store with streams of 10 ("short"), 10,000 ("long", ending on a snapshot) and 10,049 events
    /// ("longest-tail", the worst case): placed, then reserve/release pairs.
    /// </summary>
    private static async Task<IOrderEventStore> SeedAsync(IOrderEventStore store, CancellationToken ct)
    {
        foreach (var (id, count) in new[] { ("short", Short), ("long", Long), ("longest-tail", LongestTail) })
        {
            const int chunk = 500;
            for (var start = 0; start < count; start += chunk)
            {
                ct.ThrowIfCancellationRequested();
                var events = Enumerable.Range(start + 1, Math.Min(chunk, count - start)).Select(version => version switch
                {
                    1 => new OrderPlaced("bench", [new OrderLine("SKU-1", 2, 10m)], 20m, new ShippingAddress("1 Main St", "Seoul", "04524", "KR")),
                    _ when version % 2 == 0 => new StockReserved(),
                    _ => (IOrderEvent)new StockReleased(),
                }).ToList();
                await store.AppendAsync(id, start, events, newStream: start == 0 ? ("bench", null) : null);
            }
        }

        return store;
    }

    private static async Task<double> MedianLoadMsAsync(IOrderEventStore store, string id, int version, int warmup, int rounds, CancellationToken ct)
    {
        for (var i = 0; i < warmup; i++)
        {
            await LoadAsync();
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var samples = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            ct.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            await LoadAsync();
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(samples);
        return rounds % 2 == 1 ? samples[rounds / 2] : (samples[(rounds / 2) - 1] + samples[rounds / 2]) / 2;

        async Task LoadAsync()
        {
            var order = await store.LoadOrderAsync(id);
            if (order?.Version != version)
            {
                throw new InvalidOperationException($"Stream {id} loaded at version {order?.Version}, expected {version}.");
            }
        }
    }
}
