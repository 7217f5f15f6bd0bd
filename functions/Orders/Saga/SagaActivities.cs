using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>
/// The saga's steps. Each calls a participant with the service's own identity (the order id is the
/// idempotency key of every step), then records the outcome in the order's stream, at most once.
/// A step first looks for a customer's cancellation, so a cancel is seen even while a participant is down.
/// </summary>
public sealed class SagaActivities(
    IOrderEventStore store, InventoryClient inventory, PaymentsClient payments, ShippingClient shipping, ILogger<SagaActivities> logger)
{
    /// <summary>The component name saga steps record their spans under.</summary>
    public const string Service = "orders-saga";

    [Function(nameof(ReserveStock))]
    public Task<StepOutcome> ReserveStock([ActivityTrigger] OrderSagaInput input) =>
        Step(nameof(ReserveStock), input, () => inventory.ReserveAsync(input.OrderId, input.Items), _ => new StockReserved());

    [Function(nameof(ChargePayment))]
    public Task<StepOutcome> ChargePayment([ActivityTrigger] OrderSagaInput input) =>
        Step(nameof(ChargePayment), input, () => payments.ChargeAsync(input.OrderId, input.CustomerId, input.Total), _ => new PaymentCharged(input.Total));

    [Function(nameof(BookShipment))]
    public Task<StepOutcome> BookShipment([ActivityTrigger] OrderSagaInput input) =>
        Step(nameof(BookShipment), input, () => shipping.BookAsync(input.OrderId, input.Country), answer => new ShipmentBooked(
            answer.Body?.GetProperty("carrier").GetString(), answer.Body?.GetProperty("trackingNumber").GetString()));

    /// <summary>Sells the reserved units and confirms, unless the customer asked to cancel first.</summary>
    [Function(nameof(ConfirmOrder))]
    public async Task<StepOutcome> ConfirmOrder([ActivityTrigger] OrderSagaInput input)
    {
        using var span = Tracing.StartSpan($"saga {nameof(ConfirmOrder)}", Service, input.TraceParent);
        if (await CancelRequested(input.OrderId))
        {
            return StepOutcome.CancelRequested;
        }

        var committed = await inventory.CommitAsync(input.OrderId);
        if (!committed.Ok)
        {
            return NotDone(nameof(ConfirmOrder), input.OrderId, committed);
        }

        // Appended at the version just read: a cancellation appended meanwhile wins, and we see it.
        var (order, appended) = await store.TryAppendOnceAsync(input.OrderId, new OrderConfirmed(), skip: o => o.CancellationRequested);
        if (order.Status == OrderStatus.Confirmed)
        {
            if (appended)
            {
                SagaMetrics.Finished(order);
            }

            logger.LogInformation("Order {OrderId} confirmed", input.OrderId);
            return StepOutcome.Done;
        }

        return StepOutcome.CancelRequested;
    }

    [Function(nameof(ReleaseStock))]
    public Task ReleaseStock([ActivityTrigger] string orderId) =>
        Compensate(orderId, () => inventory.ReleaseAsync(orderId), nameof(StockReserved), new StockReleased(), nameof(ReleaseStock));

    [Function(nameof(RefundPayment))]
    public async Task RefundPayment([ActivityTrigger] string orderId)
    {
        var order = await store.LoadOrderAsync(orderId);
        await Compensate(orderId, () => payments.RefundAsync(orderId), nameof(PaymentCharged), new PaymentRefunded(order?.Total ?? 0), nameof(RefundPayment));
    }

    [Function(nameof(CancelShipment))]
    public Task CancelShipment([ActivityTrigger] string orderId) =>
        Compensate(orderId, () => shipping.CancelAsync(orderId), nameof(ShipmentBooked), new ShipmentCancelled(), nameof(CancelShipment));

    /// <summary>The last step of every cancellation: only now does the order show <c>Cancelled</c>.</summary>
    [Function(nameof(CancelOrder))]
    public async Task CancelOrder([ActivityTrigger] CancelOrderInput input)
    {
        var (order, appended) = await store.TryAppendOnceAsync(input.OrderId, new OrderCancelled(input.Reason));
        if (appended)
        {
            SagaMetrics.Finished(order, wasConfirmed: order.Has(nameof(OrderConfirmed)));
        }

        logger.LogInformation("Order {OrderId} cancelled: {Reason}", input.OrderId, input.Reason);
    }

    private async Task<StepOutcome> Step(string name, OrderSagaInput input, Func<Task<ParticipantAnswer>> call, Func<ParticipantAnswer, IOrderEvent> recorded)
    {
        using var span = Tracing.StartSpan($"saga {name}", Service, input.TraceParent);
        if (await CancelRequested(input.OrderId))
        {
            return StepOutcome.CancelRequested;
        }

        var answer = await call();
        if (!answer.Ok)
        {
            return NotDone(name, input.OrderId, answer);
        }

        await store.AppendOnceAsync(input.OrderId, recorded(answer));
        return StepOutcome.Done;
    }

    /// <summary>A refusal compensates; a permanent failure does too, and is an alert: someone has to look at it.</summary>
    private StepOutcome NotDone(string step, string orderId, ParticipantAnswer answer)
    {
        if (answer.Kind == AnswerKind.Refused)
        {
            logger.LogInformation("Order {OrderId}: step {Step} refused ({Problem})", orderId, step, answer.ProblemType);
            return StepOutcome.Refused;
        }

        Alert(step, orderId, answer);
        return StepOutcome.Failed;
    }

    /// <summary>
    /// Undoes a step at the participant (safe even if the step never happened) and records it if the step was recorded.
    /// A permanent failure is alerted, then throws all the same: a cancelled order must be made whole, so the undo is retried.
    /// </summary>
    private async Task Compensate(string orderId, Func<Task<ParticipantAnswer>> call, string undoes, IOrderEvent recorded, string step)
    {
        var answer = await call();
        if (answer.Kind == AnswerKind.Failed)
        {
            Alert(step, orderId, answer);
            throw new InvalidOperationException($"Order {orderId}: {step} answered {answer.Status} {answer.Problem}.");
        }

        if ((await store.TryAppendOnceAsync(orderId, recorded, skip: o => !o.Has(undoes))).Appended)
        {
            SagaMetrics.Compensations.Add(1, new KeyValuePair<string, object?>("step", step));
        }
    }

    private void Alert(string step, string orderId, ParticipantAnswer answer)
    {
        logger.LogError("Order {OrderId}: step {Step} failed permanently: {Status} {Problem}", orderId, step, answer.Status, answer.Problem);
        SagaMetrics.StepFailures.Add(1, new KeyValuePair<string, object?>("step", step), new KeyValuePair<string, object?>("status", answer.Status));
    }

    private async Task<bool> CancelRequested(string orderId) =>
        (await store.LoadOrderAsync(orderId))?.CancellationRequested ?? false;
}
