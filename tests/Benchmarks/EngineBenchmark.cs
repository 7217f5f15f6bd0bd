using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Azurite;
using Serverless.AppHost.Durable;
using Serverless.AppHost.LocalFunctions;

namespace Serverless.Benchmarks;

/// <summary>
/// The Durable engine alone: bare orchestrations of four no-op activities in sequence, on the shop's
/// own backend (Azurite + <see cref="DurableBackend"/> with the AppHost's options) and the shop's own
/// worker and client (<see cref="DurableConnection"/>), with every storage request counted.
/// </summary>
internal sealed class EngineBenchmark : IBenchmark
{
    private const string Orchestrator = "EngineBenchOrchestrator";
    private const string Activity = "EngineBenchNoop";
    private const int Steps = 4;

    /// <summary>Instance ids of the current batch whose orchestrator ran to its end (or failed) in this process (not yet known to be committed).</summary>
    private static readonly ConcurrentDictionary<string, byte> Finished = new();
    private static TaskCompletionSource? _allFinished;
    private static int _expected;
    private static string _prefix = "";

    public string Name => "Durable engine (bare orchestrations, 4 no-op activities)";

    public IReadOnlyDictionary<string, string> Units => new Dictionary<string, string>
    {
        ["engine_orch_per_s"] = $"orchestrations/s, {Steps} no-op activities each, N scheduled at once until all Completed",
        ["engine_storage_ops_per_orch"] = "storage HTTP requests (blob + queue + table, counted) per orchestration",
        ["engine_queue_ops_per_orch"] = "queue HTTP requests (counted) per orchestration",
        ["engine_table_ops_per_orch"] = "table HTTP requests (counted) per orchestration",
        ["engine_blob_ops_per_orch"] = "blob HTTP requests (counted; leases, large messages) per orchestration",
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var count = quick ? 100 : 500;
        var repoRoot = LocalSystem.FindRepoRoot();
        var folder = Directory.CreateTempSubdirectory("shop-bench-engine-").FullName;
        var ports = Serverless.Reliability.AppHostProcess.FreePorts(4);
        var azuriteOptions = new AzuriteOptions { BlobPort = ports[0], QueuePort = ports[1], TablePort = ports[2] };
        // The AppHost's own Durable options (appsettings.json, then environment), so tuning applies to both.
        var durableOptions = DurableBackendOptions.From(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(repoRoot, "functions", "AppHost", "appsettings.json"), optional: false)
            .AddEnvironmentVariables()
            .Build());
        var counter = new StorageCounter();
        await using var azurite = await AzuriteProcess.EnsureRunningAsync(azuriteOptions, repoRoot, folder, NullLogger.Instance, ct);
        try
        {
            await using var backend = await DurableBackend.StartAsync(azuriteOptions.ConnectionString, durableOptions, ports[3], Quiet, counter.AddTo);
            using var durable = new DurableConnection(backend.Address);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            Quiet(builder.Logging);
            durable.AddClientAndWorker(builder.Services, new FunctionCatalog
            {
                Http = [],
                Timers = [],
                Orchestrators = [(Orchestrator, typeof(EngineBenchmark).GetMethod(nameof(RunOrchestrator))!)],
                Activities = [(Activity, typeof(EngineBenchmark).GetMethod(nameof(RunActivity))!)],
            });
            using var host = builder.Build();
            await host.StartAsync(ct);
            try
            {
                var client = host.Services.GetRequiredService<DurableTaskClient>();

                // Warm-up (partition lease, connections, JIT), then what one status read costs in
                // storage requests, so the completion check below can be taken out of the count.
                await RunBatch(client, "warm", 10, TimeSpan.FromMinutes(2), ct);
                var before = counter.Snapshot();
                const int probes = 40;
                for (var i = 0; i < probes; i++)
                {
                    await client.GetInstanceAsync("warm-0", getInputsAndOutputs: false, ct);
                }

                var perStatusRead = Math.Round((double)(counter.Snapshot().Total - before.Total) / probes);
                var perStatusReadTable = Math.Round((double)(counter.Snapshot().Table - before.Table) / probes);

                before = counter.Snapshot();
                var clock = Stopwatch.StartNew();
                var statusReads = await RunBatch(client, "run", count, TimeSpan.FromMinutes(quick ? 3 : 6), ct);
                var seconds = clock.Elapsed.TotalSeconds;
                var after = counter.Snapshot();

                var total = after.Total - before.Total - statusReads * perStatusRead;
                var table = after.Table - before.Table - statusReads * perStatusReadTable;
                return new Dictionary<string, double>
                {
                    ["engine_orch_per_s"] = count / seconds,
                    ["engine_storage_ops_per_orch"] = total / count,
                    ["engine_queue_ops_per_orch"] = (double)(after.Queue - before.Queue) / count,
                    ["engine_table_ops_per_orch"] = table / count,
                    ["engine_blob_ops_per_orch"] = (double)(after.Blob - before.Blob) / count,
                };
            }
            finally
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await host.StopAsync(stop.Token);
            }
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Schedules <paramref name="count"/> orchestrations at once and returns once every one is Completed
    /// in the task hub: first the worker reports each orchestrator's last step (no polling), then one status
    /// read per instance confirms the commit (repeated only for those not yet committed). Returns the
    /// number of status reads made.
    /// </summary>
    private static async Task<int> RunBatch(DurableTaskClient client, string prefix, int count, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        _prefix = prefix;
        Finished.Clear();
        _expected = count;
        _allFinished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ids = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = deadline.Token }, async (id, token) =>
            await client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, input: 0, new StartOrchestrationOptions { InstanceId = id }, token));
        try
        {
            await _allFinished.Task.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var stragglers = ids.Where(id => !Finished.ContainsKey(id)).ToList();
            var states = await Task.WhenAll(stragglers.Select(id => client.GetInstanceAsync(id, getInputsAndOutputs: false, ct)));
            var described = string.Join("; ", states.Select((s, i) => s is null
                ? $"{stragglers[i]}: not in the task hub"
                : $"{s.InstanceId}: {s.RuntimeStatus}, created {s.CreatedAt:HH:mm:ss.fff}, last updated {s.LastUpdatedAt:HH:mm:ss.fff}"));
            throw new TimeoutException($"Only {Finished.Count} of {count} orchestrations finished within {timeout}. Not finished: {described}");
        }

        var statusReads = 0;
        var pending = ids;
        while (pending.Count > 0)
        {
            deadline.Token.ThrowIfCancellationRequested();
            var states = await Task.WhenAll(pending.Select(id => client.GetInstanceAsync(id, getInputsAndOutputs: false, deadline.Token)));
            statusReads += pending.Count;
            if (states.FirstOrDefault(s => s?.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated) is { } failed)
            {
                throw new InvalidOperationException($"Orchestration {failed.InstanceId} ended {failed.RuntimeStatus}: {failed.FailureDetails?.ErrorMessage}");
            }

            pending = pending.Where((_, i) => states[i]?.RuntimeStatus != OrchestrationRuntimeStatus.Completed).ToList();
            if (pending.Count > 0)
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        return statusReads;
    }

    /// <summary>Errors only, unless <c>BENCH_LOG_LEVEL</c> (e.g. <c>Warning</c>) asks for more of the engine's and worker's logs.</summary>
    private static void Quiet(ILoggingBuilder logging) => logging.ClearProviders()
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
        .SetMinimumLevel(Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("BENCH_LOG_LEVEL"), ignoreCase: true, out var level) ? level : LogLevel.Error);

    /// <summary>The benchmark's orchestrator: four no-op activities in sequence.</summary>
    public static async Task<int> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var sum = 0;
        try
        {
            for (var i = 0; i < Steps; i++)
            {
#pragma warning disable DURABLE2003 // registered by hand in the FunctionCatalog above, not discovered by [Function]
                sum += await context.CallActivityAsync<int>(Activity, i);
#pragma warning restore DURABLE2003
            }
        }
        catch (TaskFailedException) when (!context.IsReplaying)
        {
            // Ended too (Failed): the batch stops waiting, and its status reads report the failure at once.
            Ended(context.InstanceId);
            throw;
        }

        if (!context.IsReplaying)
        {
            Ended(context.InstanceId);
        }

        return sum;
    }

    /// <summary>Counts an orchestration of the current batch as ended (a late one from an earlier batch is not counted).</summary>
    private static void Ended(string instanceId)
    {
        if (instanceId.StartsWith(_prefix + "-", StringComparison.Ordinal) && Finished.TryAdd(instanceId, 0) && Finished.Count >= _expected)
        {
            _allFinished?.TrySetResult();
        }
    }

    public static int RunActivity([ActivityTrigger] int input) => input;

    /// <summary>Counts every HTTP request (each retry too) the Durable provider's storage clients send.</summary>
    private sealed class StorageCounter
    {
        private long _blob;
        private long _queue;
        private long _table;

        public (long Blob, long Queue, long Table, long Total) Snapshot()
        {
            long blob = Interlocked.Read(ref _blob), queue = Interlocked.Read(ref _queue), table = Interlocked.Read(ref _table);
            return (blob, queue, table, blob + queue + table);
        }

        public void AddTo(ClientOptions options) => options.AddPolicy(options switch
        {
            Azure.Storage.Queues.QueueClientOptions => new Counting(() => Interlocked.Increment(ref _queue)),
            Azure.Storage.Blobs.BlobClientOptions => new Counting(() => Interlocked.Increment(ref _blob)),
            _ => new Counting(() => Interlocked.Increment(ref _table)),
        }, HttpPipelinePosition.PerRetry);

        private sealed class Counting(Action count) : HttpPipelineSynchronousPolicy
        {
            public override void OnSendingRequest(HttpMessage message) => count();
        }
    }
}
