using Microsoft.DurableTask.Client;
using Serverless.Orders;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.UnitTests.Orders.Saga;

/// <summary>The reconciler's rule: from the order's stream and the task hub's instance, what to do with a recorded saga start.</summary>
public sealed class SagaRecoveryTests
{
    private static readonly DateTimeOffset Placed = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly SagaOptions Options = new() { ReconcileAfter = TimeSpan.FromSeconds(30), StaleAfter = TimeSpan.FromMinutes(2) };
    private static readonly SagaStart Saga = new("order-1", nameof(OrderSaga), "order-1", "{}");
    private static readonly SagaStart CancellationSaga = new("order-1:cancel", nameof(OrderSaga.OrderCancellationSaga), "order-1", "{}");

    private static Order OrderOf(params IOrderEvent[] events) => Order.Rehydrate("order-1",
        events.Prepend(new OrderPlaced("alice", [new OrderLine("SKU-1", 1, 2m)], 2m, new ShippingAddress("1 Main St", "Seoul", "04524", "KR")))
            .Select((e, i) => new StoredEvent(i + 1, e.GetType().Name, Placed.AddSeconds(i), e)))!;

    private static OrchestrationMetadata Instance(OrchestrationRuntimeStatus status, DateTimeOffset lastUpdated) =>
        new(nameof(OrderSaga), "order-1") { RuntimeStatus = status, LastUpdatedAt = lastUpdated, CreatedAt = Placed };

    [Fact]
    public void APendingOrder_WithNoInstance_OnceQuiet_IsStarted()
    {
        // Given an order placed a minute ago whose saga the task hub does not know (lost with Azurite's last writes)
        var action = SagaRecovery.Decide(Saga, OrderOf(), instance: null, Placed.AddMinutes(1), Options);

        // Then its saga starts again
        Assert.Equal(RecoveryAction.Start, action);
    }

    [Fact]
    public void AFreshOrder_IsLeftToTheStarter()
    {
        // Given an order placed 5 s ago, no instance yet: the placement's own start may still be on its way
        Assert.Equal(RecoveryAction.Leave, SagaRecovery.Decide(Saga, OrderOf(), instance: null, Placed.AddSeconds(5), Options));
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Failed)]
    [InlineData(OrchestrationRuntimeStatus.Terminated)]
    public void AnInstanceThatEnded_WhileTheOrderIsPending_IsRestarted(OrchestrationRuntimeStatus ended)
    {
        var order = OrderOf(new StockReserved());

        Assert.Equal(RecoveryAction.Restart, SagaRecovery.Decide(Saga, order, Instance(ended, Placed.AddSeconds(2)), Placed.AddMinutes(1), Options));
    }

    [Fact]
    public void ARunningInstance_ThatMovedRecently_IsLeftAlone()
    {
        // Given a saga retrying a participant that is down: the order is quiet, the instance is not
        var now = Placed.AddMinutes(9);
        var instance = Instance(OrchestrationRuntimeStatus.Running, now.AddSeconds(-15));

        Assert.Equal(RecoveryAction.Leave, SagaRecovery.Decide(Saga, OrderOf(new StockReserved()), instance, now, Options));
    }

    [Fact]
    public void ARunningInstance_ThatHasNotMovedForLongerThanStaleAfter_IsTerminated()
    {
        // Given a saga whose next message was lost: it shows Running but has not moved for 3 minutes
        var now = Placed.AddMinutes(5);
        var instance = Instance(OrchestrationRuntimeStatus.Running, now.AddMinutes(-3));

        Assert.Equal(RecoveryAction.Terminate, SagaRecovery.Decide(Saga, OrderOf(new StockReserved()), instance, now, Options));
    }

    [Fact]
    public void APendingInstanceNeverPickedUp_IsTerminated_OnceStale()
    {
        var now = Placed.AddMinutes(5);

        Assert.Equal(RecoveryAction.Terminate, SagaRecovery.Decide(Saga, OrderOf(), Instance(OrchestrationRuntimeStatus.Pending, Placed), now, Options));
    }

    [Theory]
    [InlineData("Confirmed")]
    [InlineData("Cancelled")]
    public void TheOrderSaga_OfAFinalOrder_IsForgotten_WhateverTheTaskHubSays(string final)
    {
        var order = final == "Confirmed" ? OrderOf(new StockReserved(), new OrderConfirmed()) : OrderOf(new OrderCancelled(CancellationReasons.OutOfStock));

        Assert.Equal(RecoveryAction.Forget, SagaRecovery.Decide(Saga, order, instance: null, Placed.AddMinutes(1), Options));
        Assert.Equal(RecoveryAction.Forget, SagaRecovery.Decide(Saga, order, Instance(OrchestrationRuntimeStatus.Running, Placed), Placed.AddHours(1), Options));
    }

    [Fact]
    public void TheCancellationSaga_OfAConfirmedOrder_IsNotFinished_UntilTheOrderIsCancelled()
    {
        // Given a confirmed order the customer asked to cancel, whose cancellation saga was lost
        var confirmed = OrderOf(new StockReserved(), new OrderConfirmed(), new CancellationRequested("alice"));
        var cancelled = OrderOf(new StockReserved(), new OrderConfirmed(), new CancellationRequested("alice"), new OrderCancelled(CancellationReasons.CancelledByCustomer));

        Assert.Equal(RecoveryAction.Start, SagaRecovery.Decide(CancellationSaga, confirmed, instance: null, Placed.AddMinutes(1), Options));
        Assert.Equal(RecoveryAction.Forget, SagaRecovery.Decide(CancellationSaga, cancelled, instance: null, Placed.AddMinutes(1), Options));
    }

    [Fact]
    public void AStartWithoutAnOrder_IsForgotten()
    {
        Assert.Equal(RecoveryAction.Forget, SagaRecovery.Decide(Saga, order: null, instance: null, Placed.AddMinutes(1), Options));
    }
}
