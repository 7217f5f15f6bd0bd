using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Orders.Domain;

namespace Serverless.Orders.Saga;

/// <summary>
/// The order saga (orchestration, not 2PC): reserve stock -> charge -> book shipping -> confirm.
/// A business refusal or a customer's cancel compensates every step done before, newest first,
/// then cancels with the reason. Transient failures are retried with backoff, durably, until the
/// deadline, then the order times out and is compensated the same way. A permanent failure (an
/// answer a retry would not change, see <see cref="ParticipantAnswers"/>) is compensated at once.
/// Deterministic: no clock, GUID or I/O here, only activities and durable timers.
/// </summary>
public sealed class OrderSaga
{
    /// <summary>
    /// The reason a permanently failed step cancels with. The public contract has no reason for "the shop
    /// could not do it"; <see cref="CancellationReasons.TimedOut"/> is the closest, and what the customer saw
    /// before, only ten minutes later. The precise cause is in the step's error log.
    /// </summary>
    public const string FailedAs = CancellationReasons.TimedOut;

    private static readonly (string Step, string Undo, string RefusedAs)[] Steps =
    [
        (nameof(SagaActivities.ReserveStock), nameof(SagaActivities.ReleaseStock), CancellationReasons.OutOfStock),
        (nameof(SagaActivities.ChargePayment), nameof(SagaActivities.RefundPayment), CancellationReasons.PaymentDeclined),
        (nameof(SagaActivities.BookShipment), nameof(SagaActivities.CancelShipment), CancellationReasons.ShippingUnavailable),
    ];

    /// <summary>Every compensation, newest step first: what a customer's cancel of a confirmed order runs.</summary>
    private static readonly string[] AllCompensations = Steps.Reverse().Select(s => s.Undo).ToArray();

    [Function(nameof(OrderSaga))]
    public async Task<SagaResult> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context, OrderSagaInput input)
    {
        var compensations = new Stack<string>();
        string? reason = null;

        foreach (var (step, undo, refusedAs) in Steps)
        {
            // Pushed before the call: a step that timed out may still have happened, and every undo is safe to run anyway.
            compensations.Push(undo);
            reason = await RunStep(context, step, input, refusedAs);
            if (reason is not null)
            {
                break;
            }
        }

        reason ??= await RunStep(context, nameof(SagaActivities.ConfirmOrder), input, CancellationReasons.OutOfStock);
        if (reason is null)
        {
            return new SagaResult(OrderStatus.Confirmed, null);
        }

        await Compensate(context, input, compensations, reason);
        return new SagaResult(OrderStatus.Cancelled, reason);
    }

    /// <summary>A customer's cancel of a confirmed order: undo everything, then cancel.</summary>
    [Function(nameof(OrderCancellationSaga))]
    public async Task<SagaResult> OrderCancellationSaga([OrchestrationTrigger] TaskOrchestrationContext context, OrderSagaInput input)
    {
        await Compensate(context, input, new Stack<string>(AllCompensations.Reverse()), CancellationReasons.CancelledByCustomer);
        return new SagaResult(OrderStatus.Cancelled, CancellationReasons.CancelledByCustomer);
    }

    /// <summary>Runs one step, retrying transient failures until the deadline. Null when done, else the reason to cancel.</summary>
    private static async Task<string?> RunStep(TaskOrchestrationContext context, string step, OrderSagaInput input, string refusedAs)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (context.CurrentUtcDateTime >= input.DeadlineUtc)
            {
                return CancellationReasons.TimedOut;
            }

            try
            {
                return await context.CallActivityAsync<StepOutcome>(step, input) switch
                {
                    StepOutcome.Done => null,
                    StepOutcome.CancelRequested => CancellationReasons.CancelledByCustomer,
                    StepOutcome.Failed => FailedAs,
                    _ => refusedAs,
                };
            }
            catch (TaskFailedException)
            {
                var wake = context.CurrentUtcDateTime + Backoff(attempt, input.MaxBackoffSeconds);
                await context.CreateTimer(wake < input.DeadlineUtc ? wake : input.DeadlineUtc, CancellationToken.None);
            }
        }
    }

    /// <summary>Undoes the steps newest first, then cancels. Compensations retry until they succeed: a cancelled order is always made whole.</summary>
    private static async Task Compensate(TaskOrchestrationContext context, OrderSagaInput input, Stack<string> compensations, string reason)
    {
        while (compensations.TryPop(out var undo))
        {
            await UntilDone(context, attempt => context.CallActivityAsync(undo, input.OrderId), input.MaxBackoffSeconds);
        }

        await UntilDone(context, _ => context.CallActivityAsync(nameof(SagaActivities.CancelOrder), new CancelOrderInput(input.OrderId, reason)), input.MaxBackoffSeconds);
    }

    private static async Task UntilDone(TaskOrchestrationContext context, Func<int, Task> call, int maxBackoffSeconds)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await call(attempt);
                return;
            }
            catch (TaskFailedException)
            {
                await context.CreateTimer(context.CurrentUtcDateTime + Backoff(attempt, maxBackoffSeconds), CancellationToken.None);
            }
        }
    }

    /// <summary>1 s, 2 s, 4 s, ... up to the cap.</summary>
    public static TimeSpan Backoff(int attempt, int maxSeconds) =>
        TimeSpan.FromSeconds(Math.Min(Math.Max(1, maxSeconds), Math.Pow(2, Math.Min(attempt, 16))));
}
