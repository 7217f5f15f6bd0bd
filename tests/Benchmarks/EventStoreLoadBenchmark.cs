using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Data;
using Serverless.Orders.Domain;
using Serverless.Orders.Storage.Sqlite;

namespace Serverless.Benchmarks;

/// <summary>
/// Orders' event store: does loading an order cost the same whatever its stream's length? Streams of
/// 10 and 10,000 events on a temp SQLite file, loaded with snapshots (every 50) and without.
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
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var folder = Path.Combine(Path.GetTempPath(), "bench-es-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var withSnapshots = await SeedAsync(Path.Combine(folder, "snapshots.db"), snapshotEvery: 50, ct);
            var withoutSnapshots = await SeedAsync(Path.Combine(folder, "no-snapshots.db"), snapshotEvery: 0, ct);

            // Loads that replay 10,000 events are slow: fewer rounds for them.
            var (warmup, rounds, slowRounds) = quick ? (50, 300, 10) : (200, 2_000, 40);
            var short10 = await MedianLoadMsAsync(withSnapshots, "short", Short, warmup, rounds, ct);
            var long10000 = await MedianLoadMsAsync(withSnapshots, "long", Long, warmup, rounds, ct);
            var longestTail = await MedianLoadMsAsync(withSnapshots, "longest-tail", LongestTail, warmup, rounds, ct);
            var short10None = await MedianLoadMsAsync(withoutSnapshots, "short", Short, warmup, rounds, ct);
            var long10000None = await MedianLoadMsAsync(withoutSnapshots, "long", Long, 3, slowRounds, ct);

            return new Dictionary<string, double>
            {
                ["es_load_ms_10"] = short10,
                ["es_load_ms_10000"] = long10000,
                ["es_load_ms_10049"] = longestTail,
                ["es_load_ratio_10000_vs_10"] = long10000 / short10,
                ["es_load_ms_10_no_snapshots"] = short10None,
                ["es_load_ms_10000_no_snapshots"] = long10000None,
                ["es_load_ratio_10000_vs_10_no_snapshots"] = long10000None / short10None,
            };
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>
    /// A store with streams of 10 ("short"), 10,000 ("long", ending on a snapshot) and 10,049 events
    /// ("longest-tail", the worst case): placed, then reserve/release pairs.
    /// </summary>
    private static async Task<SqliteOrderEventStore> SeedAsync(string path, int snapshotEvery, CancellationToken ct)
    {
        var store = new SqliteOrderEventStore(new SqliteDatabase(path, SqliteOrderEventStore.Schema), TimeProvider.System,
            Options.Create(new OrderEventStoreOptions { SnapshotEvery = snapshotEvery }));
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

    private static async Task<double> MedianLoadMsAsync(SqliteOrderEventStore store, string id, int version, int warmup, int rounds, CancellationToken ct)
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
