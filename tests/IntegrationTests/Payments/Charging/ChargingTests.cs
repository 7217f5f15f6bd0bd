using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Serverless.IntegrationTests.Payments.Charging;

[Collection(ServicesCollection.Name)]
public sealed class ChargingTests(ServicesFixture services)
{
    [Fact]
    public async Task Charge_TwiceForTheSameOrder_ChargesOnce()
    {
        // Given a wallet with 100.00
        var customer = await WalletAsync(100m);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();

        // When the saga charges 30.25 for one order twice (a retry)
        using var first = await ChargeAsync(saga, order, customer, 30.25m);
        using var second = await ChargeAsync(saga, order, customer, 30.25m);

        // Then both answers say Charged and the wallet paid once
        Assert.Equal("Charged", (await first.ReadOkAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("Charged", (await second.ReadOkAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(69.75m, await services.GetBalanceAsync(customer));
    }

    [Fact]
    public async Task Charge_MoreThanTheBalance_Is409PaymentDeclined_AndLeavesBalanceUnchanged()
    {
        // Given a wallet with 10.00
        var customer = await WalletAsync(10m);
        using var saga = await SagaClientAsync();

        // When the saga charges 10.01
        using var response = await ChargeAsync(saga, ServicesFixture.NewId("order"), customer, 10.01m);

        // Then it is declined and the wallet still holds 10.00
        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("/payment-declined", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(10m, await services.GetBalanceAsync(customer));
    }

    [Fact]
    public async Task Charge_CustomerWithoutWallet_Is409PaymentDeclined()
    {
        // Given the saga
        using var saga = await SagaClientAsync();

        // When it charges a customer who has no wallet
        using var response = await ChargeAsync(saga, ServicesFixture.NewId("order"), ServicesFixture.NewId("nobody"), 1m);

        // Then it is declined
        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("/payment-declined", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refund_AfterCharge_RestoresBalance_AndASecondRefundChangesNothing()
    {
        // Given a wallet of 100.00 charged 40.00 for an order
        var customer = await WalletAsync(100m);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();
        using var charged = await ChargeAsync(saga, order, customer, 40m);
        Assert.Equal(HttpStatusCode.OK, charged.StatusCode);
        Assert.Equal(60m, await services.GetBalanceAsync(customer));

        // When the order's payment is refunded, twice (a retry)
        using var refunded = await saga.PostAsync($"api/payments/charges/{order}/refund", null);
        using var again = await saga.PostAsync($"api/payments/charges/{order}/refund", null);

        // Then the wallet is back to 100.00, not 140.00
        Assert.Equal("Refunded", (await refunded.ReadOkAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("Refunded", (await again.ReadOkAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(100m, await services.GetBalanceAsync(customer));
    }

    [Fact]
    public async Task Refund_OfUnknownOrder_LeavesTombstone_SoALateChargeIsRefused()
    {
        // Given a wallet of 50.00 and a refund that overtook its charge
        var customer = await WalletAsync(50m);
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();
        using var refunded = await saga.PostAsync($"api/payments/charges/{order}/refund", null);
        Assert.Equal(HttpStatusCode.OK, refunded.StatusCode);

        // When the late charge for that order arrives
        using var response = await ChargeAsync(saga, order, customer, 20m);

        // Then it is refused as already compensated and the wallet is untouched
        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("/already-compensated", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(50m, await services.GetBalanceAsync(customer));
    }

    [Fact]
    public async Task Charge_AsCustomer_Is403_AndLeavesBalanceUnchanged()
    {
        // Given a wallet of 50.00 and a customer's token
        var customer = await WalletAsync(50m);
        using var alice = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("alice"));

        // When the customer calls the saga's charge endpoint directly
        using var response = await ChargeAsync(alice, ServicesFixture.NewId("order"), customer, 20m);

        // Then the answer is 403 and nothing was taken
        await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(50m, await services.GetBalanceAsync(customer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Charge_WithBodyOver64KiB_Is413_AndLeavesBalanceUnchanged(bool chunked)
    {
        // Given a wallet of 50.00
        var customer = await WalletAsync(50m);
        using var saga = await SagaClientAsync();

        // When a valid charge is padded past 64 KiB with an unknown field (with or without Content-Length)
        var json = JsonSerializer.Serialize(new { orderId = ServicesFixture.NewId("order"), customerId = customer, amount = 20m, padding = new string('x', 65 * 1024) });
        using HttpContent content = chunked
            ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)))
            : new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/payments/charges") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await saga.SendAsync(request);

        // Then the answer is 413 and nothing was charged
        await response.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(50m, await services.GetBalanceAsync(customer));
    }

    [Fact]
    public async Task Charge_WithAmountBeyondTheCentsRange_Is400KeyedByAmount_AndLeavesBalanceUnchanged()
    {
        // Given a wallet of 50.00
        var customer = await WalletAsync(50m);
        using var saga = await SagaClientAsync();

        // When the saga charges an amount too large to be held as cents
        using var response = await ChargeAsync(saga, ServicesFixture.NewId("order"), customer, 100_000_000_000_000_000m);

        // Then the answer is a validation problem (not a 500 the saga would retry until its deadline)
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("amount", out _));
        Assert.Equal(50m, await services.GetBalanceAsync(customer));
    }

    [Fact]
    public async Task Charge_ConcurrentOrdersOfOneWallet_NeverOverdraw()
    {
        // Given a wallet of 50.00
        var customer = await WalletAsync(50m);
        using var saga = await SagaClientAsync();

        // When 12 different orders each charge 10.00 at the same time
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => ChargeAsync(saga, ServicesFixture.NewId("order"), customer, 10m)));

        // Then exactly 5 are charged, 7 declined, and the wallet is empty, not negative
        var statuses = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(0m, await services.GetBalanceAsync(customer));
    }

    private async Task<string> WalletAsync(decimal balance)
    {
        var customer = ServicesFixture.NewId("cust");
        await services.PutBalanceAsync(customer, balance);
        return customer;
    }

    private async Task<HttpClient> SagaClientAsync() =>
        services.ClientFor(ServicesFixture.Payments, await services.ServiceTokenAsync());

    private static Task<HttpResponseMessage> ChargeAsync(HttpClient client, string orderId, string customerId, decimal amount) =>
        client.PostAsJsonAsync("api/payments/charges", new { orderId, customerId, amount });
}
