using System.Diagnostics;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>
/// Starts the sagas that the event store recorded (same transaction as the events that call for
/// them). The instance id is derived from the order id, so a duplicate start is harmless.
/// </summary>
public sealed class SagaStarter(IOrderEventStore store, IOptions<SagaOptions> options, TimeProvider clock, ILogger<SagaStarter> logger)
{
    public static string SagaInstanceId(string orderId) => orderId;

    public static string CancellationInstanceId(string orderId) => orderId + ":cancel";

    public SagaStart ForOrder(string orderId, string customerId, IReadOnlyList<OrderLine> items, decimal total, string country) =>
        new(SagaInstanceId(orderId), nameof(OrderSaga), orderId, JsonSerializer.Serialize(new OrderSagaInput(
            orderId, customerId, items, total, country,
            clock.GetUtcNow().UtcDateTime + options.Value.Deadline, options.Value.MaxBackoffSeconds, Activity.Current?.Id)));

    /// <summary>Compensations have no deadline: they retry until done, with the configured backoff.</summary>
    public SagaStart ForCancellation(Order order) =>
        new(CancellationInstanceId(order.Id), nameof(OrderSaga.OrderCancellationSaga), order.Id, JsonSerializer.Serialize(new OrderSagaInput(
            order.Id, order.CustomerId, order.Items.ToList(), order.Total, order.ShippingAddress?.Country ?? "", DateTime.MaxValue, options.Value.MaxBackoffSeconds, Activity.Current?.Id)));

    /// <summary>
    /// Starts the saga of a start recorded just now, by this request: no instance can exist yet (the
    /// reconciler leaves an order alone for <see cref="SagaOptions.ReconcileAfter"/>), so the task hub
    /// is not asked first; one that exists after all is fine (<see cref="ScheduleAsync"/>). If the
    /// start fails, the recorded start waits for <see cref="ReconcileAsync"/>. The command is accepted either way.
    /// </summary>
    public async Task StartOrDeferAsync(DurableTaskClient client, SagaStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(start);
        try
        {
            if (await ScheduleAsync(client, start, cancellationToken))
            {
                logger.LogInformation("Saga {Orchestrator} started for order {OrderId}", start.Orchestrator, start.OrderId);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Saga {Orchestrator} for order {OrderId} deferred", start.Orchestrator, start.OrderId);
        }
    }

    /// <summary>
    /// Reconciles the recorded saga starts with the task hub, at start-up and every few seconds: a
    /// saga that never started (a crash between the events' commit and the start), whose instance was
    /// lost, that ended without finishing its order, or that stopped moving, runs again from its
    /// recorded input; a start whose order is final is forgotten. See <see cref="SagaRecovery"/>.
    /// </summary>
    [Function("ReconcileSagas")]
    public async Task ReconcileAsync([TimerTrigger("*/5 * * * * *", RunOnStartup = true)] TimerInfo timer, [DurableClient] DurableTaskClient client)
    {
        foreach (var start in await store.PendingSagaStartsAsync())
        {
            try
            {
                await ReconcileAsync(client, start);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Reconciling saga {InstanceId} of order {OrderId} failed; trying again next round", start.InstanceId, start.OrderId);
            }
        }
    }

    public async Task<RecoveryAction> ReconcileAsync(DurableTaskClient client, SagaStart start)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(start);
        var order = await store.LoadOrderAsync(start.OrderId);
        var now = clock.GetUtcNow();
        // The task hub is asked only about sagas old and quiet enough to judge: under load most are neither,
        // and asking about each of them every round slowed the very sagas it asked about.
        var action = SagaRecovery.Finished(start, order) ? RecoveryAction.Forget
            : SagaRecovery.TooSoonToJudge(order!, now, options.Value) ? RecoveryAction.Leave
            : SagaRecovery.Decide(start, order, await client.GetInstanceAsync(start.InstanceId), now, options.Value);
        switch (action)
        {
            case RecoveryAction.Forget:
                await store.CompleteSagaStartAsync(start.InstanceId);
                break;
            case RecoveryAction.Start:
                logger.LogWarning("Saga {InstanceId} of order {OrderId} has no instance (never started, or lost with the task hub's storage): starting it", start.InstanceId, start.OrderId);
                await ScheduleAsync(client, start, CancellationToken.None);
                break;
            case RecoveryAction.Restart:
                logger.LogWarning("Saga {InstanceId} ended but order {OrderId} is still {Status}: starting it again", start.InstanceId, start.OrderId, order!.Status);
                await ScheduleAsync(client, start, CancellationToken.None);
                break;
            case RecoveryAction.Terminate:
                logger.LogWarning("Saga {InstanceId} of order {OrderId} has not moved for over {StaleAfter}: terminating it to start it again", start.InstanceId, start.OrderId, options.Value.StaleAfter);
                await client.TerminateInstanceAsync(start.InstanceId, new TerminateInstanceOptions("stalled: restarted by the reconciler"));
                break;
        }

        return action;
    }

    /// <summary>
    /// Schedules the instance and counts the start; one that already exists after all (started meanwhile) is fine,
    /// and not counted (false). A restart of an ended or lost instance counts again: <see cref="SagaMetrics.Started"/> is at least once.
    /// </summary>
    private static async Task<bool> ScheduleAsync(DurableTaskClient client, SagaStart start, CancellationToken cancellationToken)
    {
        var input = JsonSerializer.Deserialize<OrderSagaInput>(start.InputJson);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(start.Orchestrator, input, new StartOrchestrationOptions(start.InstanceId), cancellationToken);
            SagaMetrics.Started.Add(1, new KeyValuePair<string, object?>("saga", start.Orchestrator));
            return true;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Started meanwhile by someone else: the instance id makes that the same saga.
            if (await client.GetInstanceAsync(start.InstanceId, cancellationToken) is not { RuntimeStatus: OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running })
            {
                throw;
            }

            return false;
        }
    }
}
