using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Auth;
using Serverless.Orders;
using Serverless.Orders.CancellingOrder;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.UnitTests.Orders.CancellingOrder;

public sealed class RequestCancellationHandlerTests
{
    private static readonly Caller Alice = new("alice", Roles.Customer);
    private static readonly OrderPlaced Placed = new("alice", [new OrderLine("SKU-1", 2, 10m)], 20m, new ShippingAddress("1 Main St", "Seoul", "04524", "KR"));

    private readonly InMemoryOrderEventStore _store = new();

    private RequestCancellationHandler Handler() => new(_store,
        new SagaStarter(_store, Options.Create(new SagaOptions()), TimeProvider.System, NullLogger<SagaStarter>.Instance), NullLogger<RequestCancellationHandler>.Instance);

    private async Task GivenOrderAsync(params IOrderEvent[] later)
    {
        await _store.AppendAsync("order-1", 0, [Placed], newStream: ("alice", null));
        if (later.Length > 0)
        {
            await _store.AppendAsync("order-1", 1, later);
        }
    }

    private Task<RequestCancellationResult> WhenRequestedAsync(Caller? by = null) =>
        Handler().HandleAsync(RequestCancellation.Create("order-1", by ?? Alice));

    [Fact]
    public async Task APendingOrder_RecordsTheRequest_AndItsSagaWillSeeIt()
    {
        // Given a pending order
        await GivenOrderAsync(new StockReserved());

        // When alice asks to cancel
        var result = await WhenRequestedAsync();

        // Then the request is recorded and accepted as Pending; no extra saga is needed
        var accepted = Assert.IsType<RequestCancellationResult.Accepted>(result);
        Assert.Equal(("order-1", OrderStatus.Pending), (accepted.Order.OrderId, accepted.Order.Status));
        Assert.Null(accepted.SagaStart);
        var order = (await _store.LoadOrderAsync("order-1"))!;
        Assert.True(order.CancellationRequested);
        Assert.Equal(new CancellationRequested("alice"), (await _store.LoadAsync("order-1"))[^1].Data);
        Assert.Empty(await _store.PendingSagaStartsAsync());
    }

    [Fact]
    public async Task AConfirmedOrder_RecordsTheRequest_WithACancellationSagaStart()
    {
        // Given a confirmed order
        await GivenOrderAsync(new OrderConfirmed());

        // When alice asks to cancel
        var accepted = Assert.IsType<RequestCancellationResult.Accepted>(await WhenRequestedAsync());

        // Then it is accepted as Confirmed, and the cancellation saga's start is stored with the request
        Assert.Equal(OrderStatus.Confirmed, accepted.Order.Status);
        var start = Assert.Single(await _store.PendingSagaStartsAsync());
        Assert.Equal(start, accepted.SagaStart);
        Assert.Equal((SagaStarter.CancellationInstanceId("order-1"), nameof(OrderSaga.OrderCancellationSaga)), (start.InstanceId, start.Orchestrator));
    }

    [Fact]
    public async Task ASecondRequest_IsRefused_AndChangesNothing()
    {
        await GivenOrderAsync(new CancellationRequested("alice"));

        var refused = Assert.IsType<RequestCancellationResult.Refused>(await WhenRequestedAsync());

        Assert.Equal("Order order-1 is already being cancelled.", refused.Reason);
        Assert.Equal(2, (await _store.LoadOrderAsync("order-1"))!.Version);
    }

    [Fact]
    public async Task ACancelledOrder_IsRefused()
    {
        await GivenOrderAsync(new StockReleased(), new OrderCancelled(CancellationReasons.OutOfStock));

        var refused = Assert.IsType<RequestCancellationResult.Refused>(await WhenRequestedAsync());

        Assert.Equal("Order order-1 is already cancelled.", refused.Reason);
    }

    [Fact]
    public async Task AnotherCustomersOrder_IsNotFound_ButAnAdminMayCancelIt()
    {
        await GivenOrderAsync();

        Assert.IsType<RequestCancellationResult.NotFound>(await WhenRequestedAsync(new Caller("bob", Roles.Customer)));
        Assert.IsType<RequestCancellationResult.NotFound>(await Handler().HandleAsync(RequestCancellation.Create("order-2", Alice)));
        Assert.Equal(1, (await _store.LoadOrderAsync("order-1"))!.Version);

        Assert.IsType<RequestCancellationResult.Accepted>(await WhenRequestedAsync(new Caller("ops", Roles.Admin)));
        Assert.Equal(new CancellationRequested("ops"), (await _store.LoadAsync("order-1"))[^1].Data);
    }

    [Fact]
    public async Task TheSagaConfirmingMeanwhile_DecidesAgain_OnTheConfirmedOrder()
    {
        // Given a pending order whose saga confirms it just before the request is stored
        await GivenOrderAsync();
        _store.BeforeAppend = _ => _store.AppendAsync("order-1", 1, [new OrderConfirmed()]);

        // When alice asks to cancel
        var accepted = Assert.IsType<RequestCancellationResult.Accepted>(await WhenRequestedAsync());

        // Then the request is decided again on the confirmed order: recorded after the confirmation, with a cancellation saga
        Assert.Equal(OrderStatus.Confirmed, accepted.Order.Status);
        Assert.NotNull(accepted.SagaStart);
        Assert.Equal([nameof(OrderPlaced), nameof(OrderConfirmed), nameof(CancellationRequested)], (await _store.LoadAsync("order-1")).Select(e => e.Type));
    }

    [Fact]
    public async Task AnOrderChangingUnderEveryAttempt_IsBusy()
    {
        // Given an order that another writer moves before each of the handler's appends
        await GivenOrderAsync();
        _store.BeforeAppend = Race;

        // When alice asks to cancel; Then the handler gives up after its attempts, without recording the request
        Assert.IsType<RequestCancellationResult.Busy>(await WhenRequestedAsync());
        Assert.False((await _store.LoadOrderAsync("order-1"))!.CancellationRequested);
        Assert.Equal(1 + RequestCancellationHandler.Attempts, (await _store.LoadOrderAsync("order-1"))!.Version);

        async Task Race(string orderId)
        {
            var order = (await _store.LoadOrderAsync(orderId))!;
            await _store.AppendAsync(orderId, order.Version, [new StockReserved()]);
            _store.BeforeAppend = Race;
        }
    }
}
