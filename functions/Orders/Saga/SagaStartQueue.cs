using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>
/// Starts the sagas that requests recorded, off the request path. The saga start is written in the
/// same transaction as the order's events (a transactional outbox record), so the command is safe
/// once that commit is done and answers <c>202</c> then; scheduling the orchestration costs a few
/// task hub writes whose latency grows with the engine's load (measured: most of a placement's time
/// under load). Each start runs as a background task that carries the request's execution context
/// (so the schedule stays in the order's trace), at most <see cref="Parallelism"/> at a time. Once the
/// host begins to stop, starts still waiting give up and one in progress is cancelled, so Ctrl+C never
/// waits on this queue. A start that fails or gives up stays recorded and
/// <see cref="SagaStarter.ReconcileAsync(Microsoft.Azure.Functions.Worker.TimerInfo, DurableTaskClient)"/> starts it.
/// </summary>
public sealed class SagaStartQueue(SagaStarter starter, IHostApplicationLifetime lifetime)
{
    /// <summary>Schedules at a time: enough to keep the task hub busy without flooding it.</summary>
    public const int Parallelism = 8;

    private readonly SemaphoreSlim _slots = new(Parallelism, Parallelism);

    /// <summary>Queues the start and returns at once; the returned task (which never faults) ends when the start was scheduled, deferred or given up.</summary>
    public Task Enqueue(DurableTaskClient client, SagaStart start)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(start);
        return Task.Run(async () =>
        {
            var stopping = lifetime.ApplicationStopping;
            try
            {
                await _slots.WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return; // stopping: the reconciler starts it after the restart
            }

            try
            {
                await starter.StartOrDeferAsync(client, start, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // stopping: as above
            }
            finally
            {
                _slots.Release();
            }
        }, CancellationToken.None);
    }
}
