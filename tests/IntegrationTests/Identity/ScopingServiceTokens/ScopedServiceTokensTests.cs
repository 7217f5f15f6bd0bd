using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.IntegrationTests.Identity.ScopingServiceTokens;

/// <summary>
/// Each service client's token carries only the scopes it needs, and each participant endpoint asks for
/// its own: another service's credentials cannot move money, stock or parcels. Real tokens from the
/// identity service, real HTTP to the participants.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class ScopedServiceTokensTests(ServicesFixture services)
{
    [Fact]
    public async Task WebBffToken_CannotCharge_AndTheWalletIsUntouched()
    {
        // Given a wallet of 50.00 and the web BFF's own token
        var customer = ServicesFixture.NewId("cust");
        await services.PutBalanceAsync(customer, 50m);
        using var webBff = await ClientAsync(ServicesFixture.Payments, "web-bff");

        // When the BFF's credentials try to charge it, or to refund someone's charge
        using var charge = await webBff.PostAsJsonAsync("api/payments/charges", new { orderId = ServicesFixture.NewId("order"), customerId = customer, amount = 50m });
        using var refund = await webBff.PostAsync($"api/payments/charges/{ServicesFixture.NewId("order")}/refund", null);

        // Then both are 403 and the wallet still holds 50.00
        await charge.ReadProblemAsync(HttpStatusCode.Forbidden);
        await refund.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(50m, await services.GetBalanceAsync(customer));
    }

    [Fact]
    public async Task OrdersToken_CanCharge_AndTheWebBffReadsTheCharge()
    {
        // Given a wallet of 50.00
        var customer = ServicesFixture.NewId("cust");
        var order = ServicesFixture.NewId("order");
        await services.PutBalanceAsync(customer, 50m);

        // When the saga's token charges 20.00
        using var saga = await ClientAsync(ServicesFixture.Payments, "orders");
        using var charged = await saga.PostAsJsonAsync("api/payments/charges", new { orderId = order, customerId = customer, amount = 20m });

        // Then the charge is made, and the web BFF (payments.read) can read it for the order page
        Assert.Equal("Charged", (await charged.ReadOkAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(30m, await services.GetBalanceAsync(customer));
        using var webBff = await ClientAsync(ServicesFixture.Payments, "web-bff");
        using var read = await webBff.GetAsync($"api/payments/charges/{order}");
        Assert.Equal(20m, (await read.ReadOkAsync<JsonElement>()).GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task OrderHistoryToken_CannotReserveStock_AndStockIsUntouched()
    {
        // Given 5 units of a SKU and the order history's own token
        var sku = ServicesFixture.NewId("sku");
        await services.PutStockAsync(sku, 5, 1m);
        using var history = await ClientAsync(ServicesFixture.Inventory, "order-history");

        // When it tries to reserve 5 units
        using var response = await history.PostAsJsonAsync("api/inventory/reservations", new { orderId = ServicesFixture.NewId("order"), items = new[] { new { sku, quantity = 5 } } });

        // Then the answer is 403 and nothing is reserved
        await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        var item = await services.GetStockAsync(sku);
        Assert.Equal((5, 0), (item.Available, item.Reserved));
    }

    [Fact]
    public async Task OrdersToken_ReservesStock_AndStillReadsTheCatalogue()
    {
        // Given 5 units of a SKU at 2.50
        var sku = ServicesFixture.NewId("sku");
        await services.PutStockAsync(sku, 5, 2.5m);
        using var saga = await ClientAsync(ServicesFixture.Inventory, "orders");

        // When the saga reads the price (any signed-in caller may) and reserves 2 units
        using var price = await saga.GetAsync($"api/inventory/{sku}");
        using var reserved = await saga.PostAsJsonAsync("api/inventory/reservations", new { orderId = ServicesFixture.NewId("order"), items = new[] { new { sku, quantity = 2 } } });

        // Then both succeed
        Assert.Equal(2.5m, (await price.ReadOkAsync<ItemView>()).Price);
        await reserved.ReadOkAsync<JsonElement>();
        var item = await services.GetStockAsync(sku);
        Assert.Equal((3, 2), (item.Available, item.Reserved));
    }

    [Fact]
    public async Task Admin_StillChargesReservesAndBooks_WhereTheApiAllowsIt()
    {
        // Given a wallet, stock and an admin's token
        var customer = ServicesFixture.NewId("cust");
        var sku = ServicesFixture.NewId("sku");
        await services.PutBalanceAsync(customer, 10m);
        await services.PutStockAsync(sku, 1, 1m);
        var admin = await services.TokenAsync("admin");

        // When the admin calls each participant's step directly
        using var payments = services.ClientFor(ServicesFixture.Payments, admin);
        using var inventory = services.ClientFor(ServicesFixture.Inventory, admin);
        using var shipping = services.ClientFor(ServicesFixture.Shipping, admin);
        using var charged = await payments.PostAsJsonAsync("api/payments/charges", new { orderId = ServicesFixture.NewId("order"), customerId = customer, amount = 10m });
        using var reserved = await inventory.PostAsJsonAsync("api/inventory/reservations", new { orderId = ServicesFixture.NewId("order"), items = new[] { new { sku, quantity = 1 } } });
        using var booked = await shipping.PostAsJsonAsync("api/shipping/shipments", new { orderId = ServicesFixture.NewId("order"), country = "KR" });

        // Then each is done, as before scopes existed
        await charged.ReadOkAsync<JsonElement>();
        await reserved.ReadOkAsync<JsonElement>();
        await booked.ReadOkAsync<JsonElement>();
    }

    [Fact]
    public async Task WebBffToken_ReadsShipments_ButCannotBookOrCancel()
    {
        // Given a shipment the saga booked
        var order = ServicesFixture.NewId("order");
        using var saga = await ClientAsync(ServicesFixture.Shipping, "orders");
        using (var booked = await saga.PostAsJsonAsync("api/shipping/shipments", new { orderId = order, country = "KR" }))
        {
            await booked.ReadOkAsync<JsonElement>();
        }

        using var webBff = await ClientAsync(ServicesFixture.Shipping, "web-bff");

        // When the web BFF reads it, then tries to cancel it and to book another
        using var read = await webBff.GetAsync($"api/shipping/shipments/{order}");
        using var cancel = await webBff.PostAsync($"api/shipping/shipments/{order}/cancel", null);
        using var book = await webBff.PostAsJsonAsync("api/shipping/shipments", new { orderId = ServicesFixture.NewId("order"), country = "KR" });

        // Then it reads the booked shipment, and both writes are 403
        Assert.Equal("Booked", (await read.ReadOkAsync<JsonElement>()).GetProperty("status").GetString());
        await cancel.ReadProblemAsync(HttpStatusCode.Forbidden);
        await book.ReadProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData(ServicesFixture.Payments, "api/payments/feed?after=0&max=1", "order-history", HttpStatusCode.OK)]
    [InlineData(ServicesFixture.Shipping, "api/shipping/feed?after=0&max=1", "order-history", HttpStatusCode.OK)]
    [InlineData(ServicesFixture.Payments, "api/payments/feed?after=0&max=1", "orders", HttpStatusCode.Forbidden)]
    [InlineData(ServicesFixture.Shipping, "api/shipping/feed?after=0&max=1", "web-bff", HttpStatusCode.Forbidden)]
    [InlineData(ServicesFixture.Payments, "api/payments/charges/any-order", "orders", HttpStatusCode.Forbidden)]
    [InlineData(ServicesFixture.Shipping, "api/shipping/shipments/any-order", "order-history", HttpStatusCode.Forbidden)]
    public async Task Reads_NeedTheirScope(string service, string path, string client, HttpStatusCode expected)
    {
        // Given a service client's token; When it reads another service's data
        using var http = await ClientAsync(service, client);
        using var response = await http.GetAsync(path);

        // Then only a client holding that read's scope gets it
        Assert.Equal(expected, response.StatusCode);
    }

    private async Task<HttpClient> ClientAsync(string service, string client) =>
        services.ClientFor(service, await services.TokenAsync(client));
}
