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

    public async Task StartAsync(DurableTaskClient client, SagaStart start, CancellationToken cancellationToken = default)
    {
        if (await client.GetInstanceAsync(start.InstanceId, cancellationToken) is null)
        {
            var input = JsonSerializer.Deserialize<OrderSagaInput>(start.InputJson);
            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(start.Orchestrator, input, new StartOrchestrationOptions(start.InstanceId), cancellationToken);
                logger.LogInformation("Saga {Orchestrator} started for order {OrderId}", start.Orchestrator, start.OrderId);
            }
            catch (Exception)
            {
                // Started meanwhile by someone else: the instance id makes that the same saga.
                if (await client.GetInstanceAsync(start.InstanceId, cancellationToken) is null)
                {
                    throw;
                }
            }
        }

        await store.CompleteSagaStartAsync(start.InstanceId);
    }

    /// <summary>Starts the saga now if it can; if not, the recorded start waits for <see cref="ResumeAsync"/>. The command is accepted either way.</summary>
    public async Task StartOrDeferAsync(DurableTaskClient client, SagaStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        try
        {
            await StartAsync(client, start, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Saga {Orchestrator} for order {OrderId} deferred", start.Orchestrator, start.OrderId);
        }
    }

    /// <summary>Picks up saga starts a crash left behind (between the events' commit and the start).</summary>
    [Function("ResumeSagaStarts")]
    public async Task ResumeAsync([TimerTrigger("*/5 * * * * *", RunOnStartup = true)] TimerInfo timer, [DurableClient] DurableTaskClient client)
    {
        foreach (var start in await store.PendingSagaStartsAsync())
        {
            await StartAsync(client, start);
        }
    }
}
