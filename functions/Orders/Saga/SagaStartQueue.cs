using Microsoft.DurableTask.Client;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>
/// Starts the sagas that requests recorded, off the request path. The saga start is written in the
/// same transaction as the order's events (a transactional outbox record), so the command is safe
/// once that commit is done and answers <c>202</c> then; scheduling the orchestration costs a few
/// task hub writes whose latency grows with the engine's load (measured: most of a placement's time
/// under load). Each start runs as a background task that carries the request's execution context
/// (so the schedule stays in the order's trace), at most <see cref="Parallelism"/> at a time. A start
/// that fails, or is still waiting when the process stops, stays recorded and
/// <see cref="SagaStarter.ReconcileAsync(Microsoft.Azure.Functions.Worker.TimerInfo, DurableTaskClient)"/> starts it.
/// </summary>
public sealed class SagaStartQueue(SagaStarter starter)
{
    /// <summary>Schedules at a time: enough to keep the task hub busy without flooding it.</summary>
    public const int Parallelism = 8;

    private readonly SemaphoreSlim _slots = new(Parallelism, Parallelism);

    public void Enqueue(DurableTaskClient client, SagaStart start)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(start);
        _ = Task.Run(async () =>
        {
            await _slots.WaitAsync(CancellationToken.None);
            try
            {
                await starter.StartOrDeferAsync(client, start, CancellationToken.None);
            }
            finally
            {
                _slots.Release();
            }
        }, CancellationToken.None);
    }
}
