using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Cosmos;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage.Cosmos;

namespace Serverless.Benchmarks;

/// <summary>
/// How late a Cosmos change feed consumer sees a save, for the two ways to host one on Flex
/// Consumption: the SDK's change feed processor hosted in the worker (needs an always-ready
/// instance) and a timer-triggered pull (1 s period, the continuation in the lease container).
/// Both on the local Cosmos server, saves at a steady 20/s, save -> handler latency.
/// </summary>
internal sealed class ChangeFeedConsumerBenchmark : IBenchmark
{
    public string Name => "Cosmos change feed consumers: hosted processor vs timer pull";

    public IReadOnlyDictionary<string, string> Units { get; } = new Dictionary<string, string>
    {
        ["cf_processor_latency_p50_ms"] = "ms, save -> handler (processor, 100 ms poll)",
        ["cf_processor_latency_p99_ms"] = "ms",
        ["cf_pull_timer_latency_p50_ms"] = "ms, save -> handler (pull every 1 s)",
        ["cf_pull_timer_latency_p99_ms"] = "ms",
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var saves = quick ? 100 : 400;
        await using var server = await CosmosServerProcess.EnsureRunningAsync(new CosmosServerOptions { Port = 0 }, LocalSystem.FindRepoRoot(), null, NullLogger.Instance, ct);
        using var client = CosmosClientFactory.Create(new CosmosOptions { Endpoint = server.Options.Endpoint, Key = server.Options.Key });
        Database database = await client.CreateDatabaseIfNotExistsAsync("bench-feed", cancellationToken: ct);
        Container leases = await database.CreateContainerIfNotExistsAsync(new ContainerProperties(CosmosLayout.Leases, "/id"), cancellationToken: ct);

        Container processed = await database.CreateContainerIfNotExistsAsync(new ContainerProperties("processor", "/orderId"), cancellationToken: ct);
        var processor = await MeasureAsync(processed, saves, async (handle, token) =>
        {
            var host = new CosmosEventFeedProcessor("bench", processed, leases, handle, NullLogger.Instance);
            await host.StartAsync(token);
            return async () => await host.StopAsync(CancellationToken.None);
        }, ct);

        Container pulled = await database.CreateContainerIfNotExistsAsync(new ContainerProperties("pull", "/orderId"), cancellationToken: ct);
        var pull = await MeasureAsync(pulled, saves, (handle, token) =>
        {
            var puller = new CosmosEventFeedPuller("bench", pulled, leases, handle);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            var timer = Task.Run(async () =>
            {
                using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (await tick.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    await puller.PullAsync(stop.Token);
                }
            }, CancellationToken.None);
            return Task.FromResult<Func<Task>>(async () =>
            {
                await stop.CancelAsync();
                await timer.ContinueWith(_ => { }, TaskScheduler.Default);
                stop.Dispose();
            });
        }, ct);

        return new Dictionary<string, double>
        {
            ["cf_processor_latency_p50_ms"] = Percentile(processor, 0.50),
            ["cf_processor_latency_p99_ms"] = Percentile(processor, 0.99),
            ["cf_pull_timer_latency_p50_ms"] = Percentile(pull, 0.50),
            ["cf_pull_timer_latency_p99_ms"] = Percentile(pull, 0.99),
        };
    }

    /// <summary>Starts a consumer, saves documents with one event each at 20/s, and returns the sorted save -> handled latencies.</summary>
    private static async Task<double[]> MeasureAsync(Container container, int saves,
        Func<Func<IReadOnlyList<IntegrationEvent>, CancellationToken, Task>, CancellationToken, Task<Func<Task>>> start, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var saved = new ConcurrentDictionary<string, double>();
        var handled = new ConcurrentDictionary<string, double>();
        var stop = await start((events, _) =>
        {
            foreach (var e in events)
            {
                handled.TryAdd(e.MessageId, clock.Elapsed.TotalMilliseconds);
            }

            return Task.CompletedTask;
        }, ct);

        try
        {
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            for (var i = 0; i < saves; i++)
            {
                await pace.WaitForNextTickAsync(ct);
                var e = IntegrationEvent.Create("bench", "Saved", $"o-{i}", new { i }, DateTimeOffset.UtcNow);
                saved[e.MessageId] = clock.Elapsed.TotalMilliseconds;
                var document = new { id = "0000000001", orderId = e.Subject, events = new[] { e } };
                using var body = new MemoryStream(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(document, IntegrationEvent.Json));
                using var response = await container.CreateItemStreamAsync(body, new PartitionKey(e.Subject), cancellationToken: ct);
                response.EnsureSuccessStatusCode();
            }

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (handled.Count < saves && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, ct);
            }

            if (handled.Count < saves)
            {
                throw new TimeoutException($"{saves - handled.Count} of {saves} saves never reached the consumer.");
            }
        }
        finally
        {
            await stop();
        }

        return saved.Select(s => handled[s.Key] - s.Value).Order().ToArray();
    }

    private static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];
}
