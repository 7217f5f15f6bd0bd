using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.IntegrationTests.Inventory.ReservingStock;

[Collection(ServicesCollection.Name)]
public sealed class ReservingStockTests(ServicesFixture services)
{
    [Fact]
    public async Task Reserve_TwiceForTheSameOrder_TakesStockOnce()
    {
        // Given 10 units
        var sku = await StockAsync(10);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();

        // When the saga reserves 3 units for one order twice (a retry)
        using var first = await ReserveAsync(saga, order, (sku, 3));
        using var second = await ReserveAsync(saga, order, (sku, 3));

        // Then both answers say Reserved and 3 units are held, not 6
        Assert.Equal("Reserved", await StatusOf(first));
        Assert.Equal("Reserved", await StatusOf(second));
        Assert.Equal(new ItemView(sku, 7, 3, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Reserve_MoreThanAvailable_Is409OutOfStock_AndLeavesStockUnchanged()
    {
        // Given 2 units of one SKU and plenty of another
        var scarce = await StockAsync(2);
        var plenty = await StockAsync(50);
        using var saga = await SagaClientAsync();

        // When an order wants 3 of the scarce one and 1 of the other
        using var response = await ReserveAsync(saga, ServicesFixture.NewId("order"), (plenty, 1), (scarce, 3));

        // Then it is refused as out of stock, and no line took anything (all or nothing)
        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("/out-of-stock", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(new ItemView(scarce, 2, 0, 5.00m), await services.GetStockAsync(scarce));
        Assert.Equal(new ItemView(plenty, 50, 0, 5.00m), await services.GetStockAsync(plenty));
    }

    [Fact]
    public async Task Reserve_UnknownSku_Is409OutOfStock()
    {
        // Given the saga
        using var saga = await SagaClientAsync();

        // When an order names a SKU nobody stocked
        using var response = await ReserveAsync(saga, ServicesFixture.NewId("order"), (ServicesFixture.NewId("ghost"), 1));

        // Then it is refused as out of stock
        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("/out-of-stock", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reserve_LinesNamingTheSameSku_AreAddedUp()
    {
        // Given 5 units
        var sku = await StockAsync(5);
        using var saga = await SagaClientAsync();

        // When one order names the SKU on two lines, 2 + 3
        using var response = await ReserveAsync(saga, ServicesFixture.NewId("order"), (sku, 2), (sku, 3));

        // Then all 5 are held
        Assert.Equal("Reserved", await StatusOf(response));
        Assert.Equal(new ItemView(sku, 0, 5, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Release_AfterReserve_RestoresAvailable()
    {
        // Given an order holding 4 of 10 units
        var sku = await StockAsync(10);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();
        using var reserved = await ReserveAsync(saga, order, (sku, 4));
        Assert.Equal("Reserved", await StatusOf(reserved));

        // When the order's reservation is released (twice, as a retry would)
        using var released = await saga.PostAsync($"api/inventory/reservations/{order}/release", null);
        using var again = await saga.PostAsync($"api/inventory/reservations/{order}/release", null);

        // Then all 10 units are available again, once
        Assert.Equal("Released", await StatusOf(released));
        Assert.Equal("Released", await StatusOf(again));
        Assert.Equal(new ItemView(sku, 10, 0, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Commit_AfterReserve_SellsTheUnits()
    {
        // Given an order holding 4 of 10 units
        var sku = await StockAsync(10);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();
        using var reserved = await ReserveAsync(saga, order, (sku, 4));
        Assert.Equal("Reserved", await StatusOf(reserved));

        // When the order is confirmed and its reservation committed
        using var committed = await saga.PostAsync($"api/inventory/reservations/{order}/commit", null);

        // Then the units leave reserved and do not come back to available
        Assert.Equal("Committed", await StatusOf(committed));
        Assert.Equal(new ItemView(sku, 6, 0, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Commit_WithoutReservation_Is409()
    {
        // Given the saga
        using var saga = await SagaClientAsync();

        // When it commits an order that reserved nothing
        using var response = await saga.PostAsync($"api/inventory/reservations/{ServicesFixture.NewId("order")}/commit", null);

        // Then the answer is a 409 problem
        await response.ReadProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Release_AfterCommit_ReturnsUnitsToAvailable()
    {
        // Given an order whose 4 of 10 units were reserved and committed
        var sku = await StockAsync(10);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();
        using var reserved = await ReserveAsync(saga, order, (sku, 4));
        using var committed = await saga.PostAsync($"api/inventory/reservations/{order}/commit", null);
        Assert.Equal("Committed", await StatusOf(committed));

        // When the confirmed order is cancelled and its stock released
        using var released = await saga.PostAsync($"api/inventory/reservations/{order}/release", null);

        // Then the 4 units are available again
        Assert.Equal("Released", await StatusOf(released));
        Assert.Equal(new ItemView(sku, 10, 0, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Release_OfUnknownOrder_LeavesTombstone_SoALateReserveIsRefused()
    {
        // Given 10 units, and a compensation that overtook its reservation (release first)
        var sku = await StockAsync(10);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();
        using var released = await saga.PostAsync($"api/inventory/reservations/{order}/release", null);
        Assert.Equal("Released", await StatusOf(released));

        // When the late reservation for that order arrives
        using var response = await ReserveAsync(saga, order, (sku, 3));

        // Then it is refused as already compensated and takes no stock
        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("/already-compensated", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(new ItemView(sku, 10, 0, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Reserve_AsCustomer_Is403_AndTakesNoStock()
    {
        // Given 10 units and a customer's token
        var sku = await StockAsync(10);
        using var alice = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("alice"));

        // When the customer calls the saga's reservation endpoint directly
        using var response = await ReserveAsync(alice, ServicesFixture.NewId("order"), (sku, 3));

        // Then the answer is 403 and nothing is held
        await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(new ItemView(sku, 10, 0, 5.00m), await services.GetStockAsync(sku));
    }

    [Theory]
    [InlineData("""{"items":[{"sku":"a","quantity":1}]}""")]
    [InlineData("""{"orderId":"o-1","items":[]}""")]
    [InlineData("""{"orderId":"o-1","items":[{"sku":"a","quantity":0}]}""")]
    [InlineData("""{"orderId":"o-1","items":[{"sku":"bad sku","quantity":1}]}""")]
    [InlineData("""{"orderId":"o-1","items":[{"sku":"a","quantity":"many"}]}""")]
    public async Task Reserve_WithInvalidBody_Is400(string body)
    {
        // Given the saga
        using var saga = await SagaClientAsync();

        // When it sends a reservation that is not well formed
        using var response = await saga.PostAsync("api/inventory/reservations", Http.Json(body));

        // Then the answer is a validation problem
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task Reserve_WithNullLine_Is400()
    {
        // Given the saga
        using var saga = await SagaClientAsync();

        // When a reservation's items hold a null line
        using var response = await saga.PostAsync("api/inventory/reservations", Http.Json($$"""{"orderId":"{{ServicesFixture.NewId("order")}}","items":[null]}"""));

        // Then the answer is a validation problem, not a 500
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task Reserve_LinesWhoseSumOverflows_IsRefused_AndTakesNoStock()
    {
        // Given 10 units
        var sku = await StockAsync(10);
        using var saga = await SagaClientAsync();

        // When one order names the SKU twice with int.MaxValue units each
        using var response = await ReserveAsync(saga, ServicesFixture.NewId("order"), (sku, int.MaxValue), (sku, int.MaxValue));

        // Then it is refused (validation or out of stock, not a 500) and nothing is held
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Conflict });
        await response.ReadProblemAsync(response.StatusCode);
        Assert.Equal(new ItemView(sku, 10, 0, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Reserve_ConcurrentRetriesOfOneOrder_TakeStockOnce()
    {
        // Given 10 units
        var sku = await StockAsync(10);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();

        // When 8 copies of the same reservation of 2 units arrive at the same time
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ReserveAsync(saga, order, (sku, 2))));

        // Then all answer Reserved and 2 units are held, not 16
        var statuses = new List<string?>();
        foreach (var response in responses)
        {
            statuses.Add(await StatusOf(response));
            response.Dispose();
        }

        Assert.All(statuses, s => Assert.Equal("Reserved", s));
        Assert.Equal(new ItemView(sku, 8, 2, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Reserve_ConcurrentOrdersForTheLastUnits_NeverOversells()
    {
        // Given 5 units
        var sku = await StockAsync(5);
        using var saga = await SagaClientAsync();

        // When 12 different orders each reserve 1 unit at the same time
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => ReserveAsync(saga, ServicesFixture.NewId("order"), (sku, 1))));

        // Then exactly 5 succeed, the other 7 are out of stock, and available is 0 with 5 held
        var statuses = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(new ItemView(sku, 0, 5, 5.00m), await services.GetStockAsync(sku));
    }

    private async Task<string> StockAsync(int available)
    {
        var sku = ServicesFixture.NewId("sku");
        await services.PutStockAsync(sku, available, 5.00m);
        return sku;
    }

    private async Task<HttpClient> SagaClientAsync() =>
        services.ClientFor(ServicesFixture.Inventory, await services.ServiceTokenAsync());

    private static Task<HttpResponseMessage> ReserveAsync(HttpClient client, string orderId, params (string Sku, int Quantity)[] lines) =>
        client.PostAsJsonAsync("api/inventory/reservations", new { orderId, items = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity }) });

    private static async Task<string?> StatusOf(HttpResponseMessage response) =>
        (await response.ReadOkAsync<JsonElement>()).GetProperty("status").GetString();
}
