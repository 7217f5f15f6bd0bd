using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.UnitTests.Orders;

/// <summary>The order saga, every branch, with the participants faked at the activity boundary.</summary>
public sealed class OrderSagaTests
{
    private const string Reserve = nameof(SagaActivities.ReserveStock);
    private const string Charge = nameof(SagaActivities.ChargePayment);
    private const string Book = nameof(SagaActivities.BookShipment);
    private const string Confirm = nameof(SagaActivities.ConfirmOrder);
    private const string Release = nameof(SagaActivities.ReleaseStock);
    private const string Refund = nameof(SagaActivities.RefundPayment);
    private const string CancelShipment = nameof(SagaActivities.CancelShipment);
    private const string CancelOrder = nameof(SagaActivities.CancelOrder);

    private static readonly DateTime Start = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static OrderSagaInput Input(TimeSpan? deadlineIn = null, int maxBackoffSeconds = 60) => new(
        "order-1",
        "alice",
        [new OrderLine("SKU-1", 2, 10m)],
        20m,
        "KR",
        Start + (deadlineIn ?? TimeSpan.FromMinutes(10)),
        maxBackoffSeconds);

    private static FakeOrchestrationContext Context() => new(Start);

    [Fact]
    public async Task HappyPath_ReservesChargesBooksConfirms_InOrder_AndCompensatesNothing()
    {
        // Given every participant says yes
        var context = Context();
        var input = Input();

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, input);

        // Then the steps ran once each, in order, with the saga's input, and nothing was undone
        Assert.Equal([Reserve, Charge, Book, Confirm], context.CallNames);
        Assert.All(context.Calls, call => Assert.Same(input, call.Input));
        Assert.Empty(context.Timers);
        Assert.Equal(new SagaResult(OrderStatus.Confirmed, null), result);
    }

    [Fact]
    public async Task OutOfStock_CancelsWithOutOfStock()
    {
        // Given inventory refuses the reservation
        var context = Context().Returns(Reserve, StepOutcome.Refused);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then nothing is charged or booked; the (safe) release runs, then the order is cancelled as out of stock
        Assert.Equal([Reserve, Release, CancelOrder], context.CallNames);
        Assert.Equal("order-1", context.CallsTo(Release).Single().Input);
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.OutOfStock), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.OutOfStock), result);
    }

    [Fact]
    public async Task PaymentDeclined_ReleasesStock()
    {
        // Given the wallet declines the charge
        var context = Context().Returns(Charge, StepOutcome.Refused);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then nothing is booked; the (safe) refund and the release run newest first, then the order is cancelled
        Assert.Equal([Reserve, Charge, Refund, Release, CancelOrder], context.CallNames);
        Assert.All(context.CallsTo(Refund).Concat(context.CallsTo(Release)), call => Assert.Equal("order-1", call.Input));
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.PaymentDeclined), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.PaymentDeclined), result);
    }

    [Fact]
    public async Task ShippingUnavailable_RefundsAndReleases_NewestFirst()
    {
        // Given shipping refuses the booking (country not served)
        var context = Context().Returns(Book, StepOutcome.Refused);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then the order is never confirmed; every step is undone newest first, then the order is cancelled
        Assert.Equal([Reserve, Charge, Book, CancelShipment, Refund, Release, CancelOrder], context.CallNames);
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.ShippingUnavailable), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.ShippingUnavailable), result);
    }

    [Fact]
    public async Task CustomerCancelWhilePending_CompensatesDoneSteps_WithCancelledByCustomer()
    {
        // Given the customer asked to cancel after the stock was reserved: the charge step sees it
        var context = Context().Returns(Charge, StepOutcome.CancelRequested);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then the saga stops, undoes what was done (newest first) and cancels for the customer
        Assert.Equal([Reserve, Charge, Refund, Release, CancelOrder], context.CallNames);
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.CancelledByCustomer), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.CancelledByCustomer), result);
    }

    [Fact]
    public async Task CancelBeforeConfirm_CompensatesAll()
    {
        // Given the customer's cancel arrives after shipping was booked: confirm sees it
        var context = Context().Returns(Confirm, StepOutcome.CancelRequested);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then every step is undone newest first and the order is cancelled for the customer
        Assert.Equal([Reserve, Charge, Book, Confirm, CancelShipment, Refund, Release, CancelOrder], context.CallNames);
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.CancelledByCustomer), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.CancelledByCustomer), result);
    }

    [Fact]
    public async Task ConfirmRefused_CompensatesAll_AndCancelsAsOutOfStock()
    {
        // Given inventory cannot commit the reserved units when the order is confirmed (its reservation was
        // released: a 409 already-compensated, see the integration test SagaAgainstInventoryTests)
        var context = Context().Returns(Confirm, StepOutcome.Refused);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then every step is undone newest first and the order is cancelled as out of stock
        Assert.Equal([Reserve, Charge, Book, Confirm, CancelShipment, Refund, Release, CancelOrder], context.CallNames);
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.OutOfStock), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.OutOfStock), result);
    }

    [Fact]
    public async Task PermanentFailure_CompensatesAtOnce_WithoutWaitingForTheDeadline()
    {
        // Given payments rejects the charge for good (a 401/403/400, or a 409 without a business type)
        var context = Context().Returns(Charge, StepOutcome.Failed);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then the charge is not retried: what was done is undone newest first, at once, and the order is cancelled
        Assert.Equal([Reserve, Charge, Refund, Release, CancelOrder], context.CallNames);
        Assert.Empty(context.Timers);
        Assert.Equal(Start, context.CurrentUtcDateTime);
        Assert.Equal(new CancelOrderInput("order-1", OrderSaga.FailedAs), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, OrderSaga.FailedAs), result);
    }

    [Fact]
    public async Task PermanentFailure_OfConfirm_CompensatesAll()
    {
        // Given inventory cannot commit and says so with an answer a retry would not change
        var context = Context().Returns(Confirm, StepOutcome.Failed);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then every step is undone newest first, without a wait, and the order is cancelled
        Assert.Equal([Reserve, Charge, Book, Confirm, CancelShipment, Refund, Release, CancelOrder], context.CallNames);
        Assert.Empty(context.Timers);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, OrderSaga.FailedAs), result);
    }

    [Fact]
    public void PermanentFailure_CancelsWithAReasonOfThePublicContract()
    {
        // The contract (API.md) lists the reasons a client may see; a failed step uses the closest of them
        Assert.Contains(OrderSaga.FailedAs, new[]
        {
            CancellationReasons.OutOfStock, CancellationReasons.PaymentDeclined, CancellationReasons.ShippingUnavailable,
            CancellationReasons.CancelledByCustomer, CancellationReasons.TimedOut,
        });
    }

    [Fact]
    public async Task TransientFailure_IsRetriedWithBackoff_ThenSucceeds()
    {
        // Given the payments service fails twice, then answers
        var context = Context().Fails(Charge, times: 2);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then the charge is retried after 1 s, then 2 s, and the order goes on to be confirmed
        Assert.Equal([Reserve, Charge, Charge, Charge, Book, Confirm], context.CallNames);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], context.Timers.Select(t => t.Delay));
        Assert.Equal([Start, Start.AddSeconds(1), Start.AddSeconds(3)], context.CallsTo(Charge).Select(c => c.At));
        Assert.Equal(new SagaResult(OrderStatus.Confirmed, null), result);
    }

    [Fact]
    public async Task TransientFailure_BackoffIsCappedByMaxBackoff()
    {
        // Given a 3 s backoff cap and a reservation that fails four times
        var context = Context().Fails(Reserve, times: 4);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input(maxBackoffSeconds: 3));

        // Then the waits are 1, 2, 3, 3 seconds and the order is confirmed
        Assert.Equal([1d, 2d, 3d, 3d], context.Timers.Select(t => t.Delay.TotalSeconds));
        Assert.Equal(5, context.CallsTo(Reserve).Count);
        Assert.Equal(new SagaResult(OrderStatus.Confirmed, null), result);
    }

    [Fact]
    public async Task ServiceDownPastDeadline_TimesOut_AndCompensatesEverythingDone()
    {
        // Given shipping is down for good and the saga has 30 s
        var context = Context().Fails(Book);
        var input = Input(deadlineIn: TimeSpan.FromSeconds(30));

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, input);

        // Then booking is retried at +0, +1, +3, +7, +15 s; the last wait stops at the deadline, never past it
        Assert.Equal(
            [Start, Start.AddSeconds(1), Start.AddSeconds(3), Start.AddSeconds(7), Start.AddSeconds(15)],
            context.CallsTo(Book).Select(c => c.At));
        Assert.All(context.Timers, timer => Assert.True(timer.FireAt <= input.DeadlineUtc, $"timer fires at {timer.FireAt:O}, past the deadline"));
        Assert.Equal(input.DeadlineUtc, context.Timers[^1].FireAt);
        Assert.Equal(input.DeadlineUtc, context.CurrentUtcDateTime);

        // And everything done (the booking may have happened) is undone newest first, then the order times out
        Assert.Equal([CancelShipment, Refund, Release, CancelOrder], context.CallNames.SkipWhile(n => n != CancelShipment));
        Assert.DoesNotContain(Confirm, context.CallNames);
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.TimedOut), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.TimedOut), result);
    }

    [Fact]
    public async Task DeadlineAlreadyPassed_TimesOut_WithoutCallingAnyParticipant()
    {
        // Given a saga that starts (or replays) after its deadline
        var context = Context();

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input(deadlineIn: TimeSpan.Zero));

        // Then no step runs; the safe release runs and the order times out
        Assert.Equal([Release, CancelOrder], context.CallNames);
        Assert.Empty(context.Timers);
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.TimedOut), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.TimedOut), result);
    }

    [Fact]
    public async Task CompensationFailure_IsRetriedUntilItSucceeds()
    {
        // Given a declined payment and an inventory service that fails the release three times
        var context = Context().Returns(Charge, StepOutcome.Refused).Fails(Release, times: 3);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then the release is retried with backoff until it succeeds, and only then is the order cancelled
        Assert.Equal([Reserve, Charge, Refund, Release, Release, Release, Release, CancelOrder], context.CallNames);
        Assert.Equal([1d, 2d, 4d], context.Timers.Select(t => t.Delay.TotalSeconds));
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.PaymentDeclined), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.PaymentDeclined), result);
    }

    [Fact]
    public async Task CompensationFailure_PastTheDeadline_IsStillRetried()
    {
        // Given a saga timed out on a down shipping service whose cancel fails twice more
        var context = Context().Fails(Book).Fails(CancelShipment, times: 2);
        var input = Input(deadlineIn: TimeSpan.FromSeconds(5));

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, input);

        // Then the compensation is not cut short by the deadline: the order is still made whole
        Assert.Equal(3, context.CallsTo(CancelShipment).Count);
        Assert.True(context.CallsTo(CancelShipment)[^1].At > input.DeadlineUtc);
        Assert.Equal([CancelShipment, CancelShipment, CancelShipment, Refund, Release, CancelOrder], context.CallNames.SkipWhile(n => n != CancelShipment));
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.TimedOut), result);
    }

    [Fact]
    public async Task CancelOrderFailure_IsRetriedUntilItSucceeds()
    {
        // Given the order store fails the final cancel once
        var context = Context().Returns(Reserve, StepOutcome.Refused).Fails(CancelOrder, times: 1);

        // When the saga runs
        var result = await new OrderSaga().RunAsync(context, Input());

        // Then the cancel is retried with the same reason
        Assert.Equal([Reserve, Release, CancelOrder, CancelOrder], context.CallNames);
        Assert.All(context.CallsTo(CancelOrder), call => Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.OutOfStock), call.Input));
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.OutOfStock), result);
    }

    [Fact]
    public async Task CancellationSaga_OfConfirmedOrder_RunsEveryCompensation_NewestFirst()
    {
        // Given a confirmed order the customer cancels
        var context = Context();

        // When the cancellation saga runs
        var result = await new OrderSaga().OrderCancellationSaga(context, Input());

        // Then every step is undone, newest first, then the order is cancelled for the customer
        Assert.Equal([CancelShipment, Refund, Release, CancelOrder], context.CallNames);
        Assert.All(context.Calls.SkipLast(1), call => Assert.Equal("order-1", call.Input));
        Assert.Equal(new CancelOrderInput("order-1", CancellationReasons.CancelledByCustomer), context.CallsTo(CancelOrder).Single().Input);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.CancelledByCustomer), result);
    }

    [Fact]
    public async Task CancellationSaga_RetriesAFailedCompensation()
    {
        // Given payments is down for the first two refunds
        var context = Context().Fails(Refund, times: 2);

        // When the cancellation saga runs
        var result = await new OrderSaga().OrderCancellationSaga(context, Input());

        // Then the refund is retried and the rest still follows in order
        Assert.Equal([CancelShipment, Refund, Refund, Refund, Release, CancelOrder], context.CallNames);
        Assert.Equal(new SagaResult(OrderStatus.Cancelled, CancellationReasons.CancelledByCustomer), result);
    }

    [Theory]
    [InlineData(0, 60, 1)]
    [InlineData(1, 60, 2)]
    [InlineData(2, 60, 4)]
    [InlineData(5, 60, 32)]
    [InlineData(6, 60, 60)]
    [InlineData(3, 5, 5)]
    [InlineData(1000, 300, 300)]
    public void Backoff_DoublesUpToTheCap(int attempt, int maxSeconds, int expectedSeconds)
    {
        // Given an attempt number and a cap; When the backoff is computed; Then it doubles from 1 s and stops at the cap
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), OrderSaga.Backoff(attempt, maxSeconds));
    }
}
