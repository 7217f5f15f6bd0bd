using System.Threading.Channels;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>
/// Starts the sagas that requests recorded, off the request path. The saga start is written in the
/// same transaction as the order's events (a transactional outbox record), so the command is safe
/// once that commit is done and answers <c>202</c> then; scheduling the orchestration costs a few
/// task hub writes whose latency grows with the engine's load (measured: most of a placement's time
/// under load). A start that cannot be queued, or that is still queued when the process stops, stays
/// recorded and <see cref="SagaStarter.ReconcileAsync(Microsoft.Azure.Functions.Worker.TimerInfo, DurableTaskClient)"/> starts it.
/// </summary>
public sealed partial class SagaStartQueue(SagaStarter starter, ILogger<SagaStartQueue> logger) : BackgroundService
{
    /// <summary>Schedules at a time: enough to keep the task hub busy without flooding it.</summary>
    public const int Parallelism = 8;

    private const int Capacity = 10_000;

    private readonly Channel<(DurableTaskClient Client, SagaStart Start)> _starts =
        Channel.CreateBounded<(DurableTaskClient, SagaStart)>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Queues the start; false (and the reconciler's job) when the queue is full.</summary>
    public bool Enqueue(DurableTaskClient client, SagaStart start)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(start);
        if (_starts.Writer.TryWrite((client, start)))
        {
            return true;
        }

        LogQueueFull(start.Orchestrator, start.OrderId);
        return false;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Parallel.ForEachAsync(_starts.Reader.ReadAllAsync(stoppingToken), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken },
            async (item, ct) => await starter.StartOrDeferAsync(item.Client, item.Start, ct));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saga start queue full: saga {Orchestrator} of order {OrderId} is left to the reconciler")]
    private partial void LogQueueFull(string orchestrator, string orderId);
}
