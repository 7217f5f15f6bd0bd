using System.Diagnostics;
using System.Net;
using Azure.Storage.Queues;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Azurite;
using Serverless.BuildingBlocks.Storage.Sqlite;

namespace Serverless.Benchmarks;

/// <summary>
/// The ceilings the rest is measured against, on this machine: what Azurite's queue service, a
/// SQLite commit (as the stores configure it) and a bare Kestrel server can do at most.
/// </summary>
internal sealed class LimitsBenchmark : IBenchmark
{
    private const int Workers = 16;

    public string Name => "Limits (Azurite queue, SQLite commit, Kestrel)";

    public IReadOnlyDictionary<string, string> Units => new Dictionary<string, string>
    {
        ["limit_azurite_queue_ops_per_s"] = $"round trips/s (enqueue + receive + delete), {Workers} concurrent workers, one fresh queue",
        ["limit_sqlite_commits_per_s"] = "commits/s, one small insert per transaction, single writer (WAL, synchronous=NORMAL, as SqliteDatabase)",
        ["limit_kestrel_req_per_s"] = $"requests/s, in-process hello world, HTTP/1.1 loopback, {Workers * 2} concurrent HttpClient loops",
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var seconds = quick ? 5 : 15;
        return new Dictionary<string, double>
        {
            ["limit_azurite_queue_ops_per_s"] = await AzuriteQueue(TimeSpan.FromSeconds(seconds), ct),
            ["limit_sqlite_commits_per_s"] = await SqliteCommits(TimeSpan.FromSeconds(seconds), ct),
            ["limit_kestrel_req_per_s"] = await Kestrel(TimeSpan.FromSeconds(seconds), ct),
        };
    }

    /// <summary>Each worker: send, receive that (or any) message, delete it; a round trip is all three.</summary>
    private static async Task<double> AzuriteQueue(TimeSpan duration, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("shop-bench-limit-queue-").FullName;
        var ports = Serverless.Reliability.AppHostProcess.FreePorts(3);
        var options = new AzuriteOptions { BlobPort = ports[0], QueuePort = ports[1], TablePort = ports[2] };
        var azurite = await AzuriteProcess.EnsureRunningAsync(options, LocalSystem.FindRepoRoot(), folder, NullLogger.Instance, ct);
        try
        {
            var queue = new QueueClient(options.ConnectionString, "limit-" + Guid.NewGuid().ToString("N")[..12]);
            await queue.CreateAsync(cancellationToken: ct);
            // Warm-up: connections and the queue itself.
            await RoundTrips(queue, TimeSpan.FromSeconds(1), ct);
            var clock = Stopwatch.StartNew();
            var count = await RoundTrips(queue, duration, ct);
            return count / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<long> RoundTrips(QueueClient queue, TimeSpan duration, CancellationToken ct)
    {
        long count = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                await queue.SendMessageAsync("x", ct);
                var received = await queue.ReceiveMessageAsync(TimeSpan.FromSeconds(30), ct);
                if (received.Value is { } message)
                {
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                    Interlocked.Increment(ref count);
                }
            }
        }, ct)));
        return count;
    }

    /// <summary>The repo's own SqliteDatabase (WAL, synchronous=NORMAL, BEGIN IMMEDIATE), one writer, one row per commit.</summary>
    private static async Task<double> SqliteCommits(TimeSpan duration, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("shop-bench-limit-sqlite-").FullName;
        try
        {
            var db = new SqliteDatabase(Path.Combine(folder, "limit.db"), "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);");
            for (var i = 0; i < 200; i++)
            {
                await Insert(db, i);
            }

            var clock = Stopwatch.StartNew();
            var count = 0;
            while (clock.Elapsed < duration)
            {
                ct.ThrowIfCancellationRequested();
                await Insert(db, count++);
            }

            return count / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }

        static Task<int> Insert(SqliteDatabase db, int i) =>
            db.WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO t (v) VALUES (@v)", new { v = "value-" + i }, t));
    }

    private static async Task<double> Kestrel(TimeSpan duration, CancellationToken ct)
    {
        var port = Serverless.Reliability.AppHostProcess.FreePorts(1)[0];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1));
        await using var app = builder.Build();
        app.MapGet("/", () => Results.Text("hello"));
        await app.StartAsync(ct);
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Workers * 2 })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
                DefaultRequestVersion = HttpVersion.Version11,
            };
            await Requests(http, TimeSpan.FromSeconds(1), ct);
            var clock = Stopwatch.StartNew();
            var count = await Requests(http, duration, ct);
            return count / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<long> Requests(HttpClient http, TimeSpan duration, CancellationToken ct)
    {
        long count = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, Workers * 2).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                using var response = await http.GetAsync("", ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                response.EnsureSuccessStatusCode();
                Interlocked.Increment(ref count);
            }
        }, ct)));
        return count;
    }
}
