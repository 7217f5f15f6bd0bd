using System.Net;

namespace Serverless.EndToEndTests;

/// <summary>The order saga end to end through the gateway: every outcome leaves stock and wallet exact.</summary>
[Collection("system")]
public sealed class OrderSagaTests(SystemFixture system) : OrderSagaScenarios(system);

/// <summary>The same scenarios with every store on Cosmos DB (the local Cosmos server): <c>Storage:Provider=cosmos</c>.</summary>
[Collection("system-cosmos")]
public sealed class CosmosOrderSagaTests(CosmosSystemFixture system) : OrderSagaScenarios(system);

public abstract class OrderSagaScenarios(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task HappyPath_ConfirmsOrder_SellsStock_ChargesWallet_AndRecordsEveryStep()
    {
        // Given
        var sku = SystemFixture.NewSku("happy");
        await _shop.PutStockAsync(sku, available: 10, price: 12.50m);
        await _shop.SetBalanceAsync("alice", 100m);

        // When
        var orderId = await _shop.PlaceAsync("alice", ShopClient.Order(sku, 2));
        var order = await _shop.FinalAsync("alice", orderId);

        // Then
        Assert.Equal("Confirmed", order.Status);
        Assert.Null(order.CancellationReason);
        Assert.Equal("alice", order.CustomerId);
        Assert.Equal(25.00m, order.Total);
        Assert.Equal(12.50m, Assert.Single(order.Items).UnitPrice);
        var stock = await _shop.StockAsync(sku);
        Assert.Equal((8, 0), (stock.Available, stock.Reserved));
        Assert.Equal(75m, await _shop.BalanceAsync("alice"));

        var events = await _shop.EventsAsync("alice", orderId);
        Assert.Equal(["OrderPlaced", "StockReserved", "PaymentCharged", "ShipmentBooked", "OrderConfirmed"], events.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.Version));

        var placed = await _shop.SendAsync(HttpMethod.Get, $"api/orders/{orderId}?asOfVersion=1", "alice");
        Assert.Equal(HttpStatusCode.OK, placed.StatusCode);
        Assert.Contains("\"status\":\"Pending\"", await placed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var pastTheEnd = await _shop.SendAsync(HttpMethod.Get, $"api/orders/{orderId}?asOfVersion={events.Count + 1}", "alice");
        Assert.Equal(HttpStatusCode.NotFound, pastTheEnd.StatusCode);

        Assert.Equal(orderId, (await _shop.OrdersAsync("alice"))[0].OrderId);
    }

    [Fact]
    public async Task OutOfStock_CancelsOrder_AndChangesNeitherStockNorWallet()
    {
        var sku = SystemFixture.NewSku("short");
        await _shop.PutStockAsync(sku, available: 1, price: 5m);
        await _shop.SetBalanceAsync("alice", 50m);

        var order = await _shop.FinalAsync("alice", await _shop.PlaceAsync("alice", ShopClient.Order(sku, 2)));

        Assert.Equal(("Cancelled", "OutOfStock"), (order.Status, order.CancellationReason));
        var stock = await _shop.StockAsync(sku);
        Assert.Equal((1, 0), (stock.Available, stock.Reserved));
        Assert.Equal(50m, await _shop.BalanceAsync("alice"));
    }

    [Fact]
    public async Task PaymentDeclined_ReleasesStock_AndLeavesWalletAsItWas()
    {
        var sku = SystemFixture.NewSku("poor");
        await _shop.PutStockAsync(sku, available: 5, price: 30m);
        await _shop.SetBalanceAsync("alice", 10m);

        var orderId = await _shop.PlaceAsync("alice", ShopClient.Order(sku, 1));
        var order = await _shop.FinalAsync("alice", orderId);

        Assert.Equal(("Cancelled", "PaymentDeclined"), (order.Status, order.CancellationReason));
        var stock = await _shop.StockAsync(sku);
        Assert.Equal((5, 0), (stock.Available, stock.Reserved));
        Assert.Equal(10m, await _shop.BalanceAsync("alice"));
        var types = (await _shop.EventsAsync("alice", orderId)).Select(e => e.Type).ToList();
        Assert.Equal(["OrderPlaced", "StockReserved", "StockReleased", "OrderCancelled"], types);
    }

    [Fact]
    public async Task ShippingUnavailable_RefundsAndReleases_StockAndWalletBackExactly()
    {
        var sku = SystemFixture.NewSku("far");
        await _shop.PutStockAsync(sku, available: 3, price: 7.25m);
        await _shop.SetBalanceAsync("alice", 100m);

        var orderId = await _shop.PlaceAsync("alice", ShopClient.Order(sku, 2, country: "ZZ"));
        var order = await _shop.FinalAsync("alice", orderId);

        Assert.Equal(("Cancelled", "ShippingUnavailable"), (order.Status, order.CancellationReason));
        var stock = await _shop.StockAsync(sku);
        Assert.Equal((3, 0), (stock.Available, stock.Reserved));
        Assert.Equal(100m, await _shop.BalanceAsync("alice"));
        var types = (await _shop.EventsAsync("alice", orderId)).Select(e => e.Type).ToList();
        Assert.Equal(["OrderPlaced", "StockReserved", "PaymentCharged", "PaymentRefunded", "StockReleased", "OrderCancelled"], types);
    }

    [Fact]
    public async Task CancelOfConfirmedOrder_RunsCompensations_AndOnlyTheFirstCancelIsAccepted()
    {
        var sku = SystemFixture.NewSku("regret");
        await _shop.PutStockAsync(sku, available: 4, price: 10m);
        await _shop.SetBalanceAsync("alice", 60m);
        var orderId = await _shop.PlaceAsync("alice", ShopClient.Order(sku, 3));
        Assert.Equal("Confirmed", (await _shop.FinalAsync("alice", orderId)).Status);
        Assert.Equal(30m, await _shop.BalanceAsync("alice"));

        using var first = await _shop.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/cancel", "alice");
        using var second = await _shop.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/cancel", "alice");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        OrderView order;
        while ((order = await _shop.OrderAsync("alice", orderId)).Status != "Cancelled")
        {
            Assert.Equal("Confirmed", order.Status); // keeps its status while the cancellation runs
            Assert.True(DateTime.UtcNow < deadline, "The cancellation did not finish in time.");
            await Task.Delay(200);
        }

        Assert.Equal("CancelledByCustomer", order.CancellationReason);
        var stock = await _shop.StockAsync(sku);
        Assert.Equal((4, 0), (stock.Available, stock.Reserved));
        Assert.Equal(60m, await _shop.BalanceAsync("alice"));
        using var third = await _shop.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/cancel", "alice");
        Assert.Equal(HttpStatusCode.Conflict, third.StatusCode);
    }

    [Fact]
    public async Task SameIdempotencyKey_ReturnsSameOrder_AndChargesOnce()
    {
        var sku = SystemFixture.NewSku("twice");
        await _shop.PutStockAsync(sku, available: 10, price: 20m);
        await _shop.SetBalanceAsync("bob", 100m);
        var key = Guid.NewGuid().ToString();

        var first = await _shop.PlaceAsync("bob", ShopClient.Order(sku, 1), key);
        var second = await _shop.PlaceAsync("bob", ShopClient.Order(sku, 1), key);
        var other = await _shop.PlaceAsync("bob", ShopClient.Order(sku, 1), Guid.NewGuid().ToString());

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal("Confirmed", (await _shop.FinalAsync("bob", first)).Status);
        Assert.Equal("Confirmed", (await _shop.FinalAsync("bob", other)).Status);
        Assert.Equal(60m, await _shop.BalanceAsync("bob"));
        Assert.Equal(8, (await _shop.StockAsync(sku)).Available);
    }

    [Fact]
    public async Task TwelveConcurrentOrders_OnStockOfFive_ExactlyFiveConfirm()
    {
        var sku = SystemFixture.NewSku("rush");
        await _shop.PutStockAsync(sku, available: 5, price: 3m);
        await _shop.SetBalanceAsync("alice", 1000m);

        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _shop.PlaceAsync("alice", ShopClient.Order(sku, 1))));
        var orders = await Task.WhenAll(ids.Select(id => _shop.FinalAsync("alice", id, TimeSpan.FromSeconds(90))));

        Assert.Equal(5, orders.Count(o => o.Status == "Confirmed"));
        Assert.All(orders.Where(o => o.Status == "Cancelled"), o => Assert.Equal("OutOfStock", o.CancellationReason));
        var stock = await _shop.StockAsync(sku);
        Assert.Equal((0, 0), (stock.Available, stock.Reserved));
        Assert.Equal(1000m - (5 * 3m), await _shop.BalanceAsync("alice"));
    }
}
