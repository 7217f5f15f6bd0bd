using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Serverless.Orders;
using Serverless.Orders.Domain;
using Serverless.Orders.PlacingOrder;
using Serverless.Orders.Saga;

namespace Serverless.UnitTests.Orders.PlacingOrder;

public sealed class PlaceOrderHandlerTests
{
    private static readonly ShippingAddress Address = new("1 Main St", "Seoul", "04524", "KR");

    private readonly InMemoryOrderEventStore _store = new();
    private readonly FakePriceList _prices = new() { ["SKU-1"] = 10m, ["SKU-2"] = 5.5m };

    private PlaceOrderHandler Handler() => new(_store, _prices,
        new SagaStarter(_store, Options.Create(new SagaOptions()), TimeProvider.System, NullLogger<SagaStarter>.Instance), NullLogger<PlaceOrderHandler>.Instance);

    private static PlaceOrder Command(string? key = null, string customer = "alice", params RequestedLine[] lines) =>
        new(customer, lines.Length > 0 ? lines : [new RequestedLine("SKU-1", 2), new RequestedLine("SKU-2", 1)], Address, key);

    [Fact]
    public async Task AValidOrder_IsPricedByTheCatalogue_AndStoredPendingWithItsSagaStart()
    {
        // Given a catalogue with SKU-1 at 10 and SKU-2 at 5.5
        // When alice orders 2 x SKU-1 and 1 x SKU-2
        var result = await Handler().HandleAsync(Command());

        // Then it is accepted as Pending, priced server-side, and the saga start is stored with it
        var accepted = Assert.IsType<PlaceOrderResult.Accepted>(result);
        Assert.Equal(OrderStatus.Pending, accepted.Order.Status);
        var order = (await _store.LoadOrderAsync(accepted.Order.OrderId))!;
        Assert.Equal(("alice", 25.5m, 1), (order.CustomerId, order.Total, order.Version));
        Assert.Equal([new OrderLine("SKU-1", 2, 10m), new OrderLine("SKU-2", 1, 5.5m)], order.Items);
        Assert.Equal(Address, order.ShippingAddress);
        var start = Assert.Single(await _store.PendingSagaStartsAsync());
        Assert.Equal(start, accepted.SagaStart);
        Assert.Equal((SagaStarter.SagaInstanceId(order.Id), nameof(OrderSaga)), (start.InstanceId, start.Orchestrator));
        var input = JsonSerializer.Deserialize<OrderSagaInput>(start.InputJson)!;
        Assert.Equal((order.Id, "alice", 25.5m, "KR"), (input.OrderId, input.CustomerId, input.Total, input.Country));
    }

    [Fact]
    public async Task UnknownSkus_AreRefusedPerLine_AndNothingIsStored()
    {
        // Given a catalogue without SKU-X and SKU-Y
        // When an order holds them as its 2nd and 3rd lines
        var result = await Handler().HandleAsync(Command(null, "alice", new("SKU-1", 1), new("SKU-X", 1), new("SKU-Y", 1)));

        // Then each unknown line is named, and nothing is stored
        var unknown = Assert.IsType<PlaceOrderResult.UnknownSkus>(result);
        Assert.Equal(["items[1].sku", "items[2].sku"], unknown.Errors.Keys.Order());
        Assert.Equal("SKU 'SKU-X' is unknown.", unknown.Errors["items[1].sku"].Single());
        Assert.Equal(0, _store.Appends);
    }

    [Fact]
    public async Task CatalogueUnavailable_IsPricingUnavailable_AndNothingIsStored()
    {
        // Given the catalogue cannot be read
        _prices.Down = true;

        // When an order is placed
        var result = await Handler().HandleAsync(Command("k-1"));

        // Then pricing is unavailable, nothing is stored and the key is still free
        Assert.IsType<PlaceOrderResult.PricingUnavailable>(result);
        Assert.Equal(0, _store.Appends);
        Assert.Null(await Handler().ReplayAsync("alice", "k-1"));
    }

    [Fact]
    public async Task TheSameKeyTwice_AnswersWithTheFirstOrder_AndStoresOne()
    {
        // Given alice placed an order with key k-1
        var first = Assert.IsType<PlaceOrderResult.Accepted>(await Handler().HandleAsync(Command("k-1")));

        // When the same request comes again (replayed up front, or placed again)
        var replay = await Handler().ReplayAsync("alice", "k-1");
        var again = Assert.IsType<PlaceOrderResult.Accepted>(await Handler().HandleAsync(Command("k-1")));

        // Then both answer with the first order, nothing more is stored and no second saga is started
        Assert.Equal(first.Order, replay);
        Assert.Equal(first.Order, again.Order);
        Assert.Null(again.SagaStart);
        Assert.Equal(1, _store.Appends);
        Assert.Equal([first.Order.OrderId], await _store.ListAsync("alice"));
    }

    [Fact]
    public async Task TheSameKeyAgain_AfterTheSagaConfirmedTheOrder_IsStillAnsweredAsTheFirstRequestWas()
    {
        // Given alice placed an order with key k-1, and its saga has since confirmed it
        var first = Assert.IsType<PlaceOrderResult.Accepted>(await Handler().HandleAsync(Command("k-1")));
        await _store.AppendAsync(first.Order.OrderId, 1, [new StockReserved(), new PaymentCharged(25.5m), new ShipmentBooked("post", "T-1"), new OrderConfirmed()]);
        Assert.Equal(OrderStatus.Confirmed, (await _store.LoadOrderAsync(first.Order.OrderId))!.Status);

        // When the client retries the same request
        var replay = await Handler().ReplayAsync("alice", "k-1");

        // Then the answer is the first one (the same order, Pending as placed); progress is GET /api/orders/{id}'s to tell
        Assert.Equal(new OrderAccepted(first.Order.OrderId, OrderStatus.Pending), replay);
    }

    [Fact]
    public async Task TheSameKeyRacingIn_BothAnswerWithOneOrder()
    {
        // Given a second request with alice's key k-1 lands while the first is about to store its order
        PlaceOrderResult? racer = null;
        _store.BeforeAppend = async _ => racer = await Handler().HandleAsync(Command("k-1"));

        // When the first one stores
        var first = Assert.IsType<PlaceOrderResult.Accepted>(await Handler().HandleAsync(Command("k-1")));

        // Then both answer with the same order, stored once, with one saga start
        Assert.Equal(first.Order.OrderId, Assert.IsType<PlaceOrderResult.Accepted>(racer).Order.OrderId);
        Assert.Equal(1, _store.Appends);
        Assert.Single(await _store.PendingSagaStartsAsync());
    }

    [Fact]
    public async Task TheSameKey_FromAnotherCustomer_IsAnotherOrder()
    {
        var alice = Assert.IsType<PlaceOrderResult.Accepted>(await Handler().HandleAsync(Command("k-1")));
        var bob = Assert.IsType<PlaceOrderResult.Accepted>(await Handler().HandleAsync(Command("k-1", "bob")));

        Assert.NotEqual(alice.Order.OrderId, bob.Order.OrderId);
        Assert.Equal(2, _store.Appends);
    }

    [Fact]
    public async Task WithoutAKey_EveryRequestIsANewOrder()
    {
        var first = Assert.IsType<PlaceOrderResult.Accepted>(await Handler().HandleAsync(Command()));
        var second = Assert.IsType<PlaceOrderResult.Accepted>(await Handler().HandleAsync(Command()));

        Assert.NotEqual(first.Order.OrderId, second.Order.OrderId);
        Assert.True(Guid.TryParse(first.Order.OrderId, out _));
    }

    [Fact]
    public void Create_FromAValidRequest_NormalisesTheAddress_AndDropsAnEmptyKey()
    {
        // Given a valid request with a lower-case country and no key
        var request = new PlaceOrderRequest([new PlaceOrderItem("SKU-1", 2)], new PlaceOrderAddress(" 1 Main St ", "Seoul", "04524", "kr"));

        // When the command is created
        var (command, errors) = PlaceOrder.Create("alice", request, "");

        // Then it carries the lines and the normalised address, and no key
        Assert.Empty(errors);
        Assert.Equal(new PlaceOrder("alice", command!.Items, Address, null), command);
        Assert.Equal([new RequestedLine("SKU-1", 2)], command.Items);
    }

    [Fact]
    public void Create_FromAnInvalidRequestOrKey_GivesTheFieldErrors()
    {
        // Given no lines and a key of 129 characters
        var request = new PlaceOrderRequest([], new PlaceOrderAddress("1 Main St", "Seoul", "04524", "KR"));

        // When the command is created; Then there is none, and both fields are named
        var (command, errors) = PlaceOrder.Create("alice", request, new string('k', 129));
        Assert.Null(command);
        Assert.Equal(["Idempotency-Key", "items"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.False(PlaceOrder.IsValidIdempotencyKey(new string('k', 129)));
        Assert.True(PlaceOrder.IsValidIdempotencyKey(new string('k', 128)));
    }

    private sealed class FakePriceList : Dictionary<string, decimal>, IPriceList
    {
        public bool Down { get; set; }

        public Task<decimal?> PriceAsync(string sku, CancellationToken cancellationToken) =>
            Down ? throw new HttpRequestException("inventory is down") : Task.FromResult(TryGetValue(sku, out var price) ? price : (decimal?)null);
    }
}
