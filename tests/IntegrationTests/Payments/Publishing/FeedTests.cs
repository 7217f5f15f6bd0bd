using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.IntegrationTests.Payments.Publishing;

[Collection(ServicesCollection.Name)]
public sealed class FeedTests(ServicesFixture services)
{
    [Fact]
    public async Task ACharge_IsOnTheFeed_OnceInTheEnvelopeConsumersRead()
    {
        // Given a wallet of 50.00 charged 20.00 for an order, twice (a retry)
        var customer = ServicesFixture.NewId("cust");
        await services.PutBalanceAsync(customer, 50m);
        var order = ServicesFixture.NewId("order");
        using var saga = services.ClientFor(ServicesFixture.Payments, await services.ServiceTokenAsync());
        (await saga.PostAsJsonAsync("api/payments/charges", new { orderId = order, customerId = customer, amount = 20m })).Dispose();
        (await saga.PostAsJsonAsync("api/payments/charges", new { orderId = order, customerId = customer, amount = 20m })).Dispose();

        // When the order history (the service whose token may read it) reads the payments feed
        using var history = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("order-history"));
        using var response = await history.GetAsync("api/payments/feed?after=0&max=1000");

        // Then the order's PaymentCharged is there once, keyed and correlated by the order
        var charged = Assert.Single((await response.ReadOkAsync<JsonElement>()).EnumerateArray(), e => e.GetProperty("event").GetProperty("subject").GetString() == order);
        var e = charged.GetProperty("event");
        Assert.Equal(($"payments:{order}:PaymentCharged", "payments", "PaymentCharged", order, order),
            (e.GetProperty("messageId").GetString(), e.GetProperty("topic").GetString(), e.GetProperty("type").GetString(),
                e.GetProperty("correlationId").GetString(), e.GetProperty("causationId").GetString()));
        Assert.Equal((order, customer, 20m), (e.GetProperty("data").GetProperty("orderId").GetString(),
            e.GetProperty("data").GetProperty("customerId").GetString(), e.GetProperty("data").GetProperty("amount").GetDecimal()));
    }
}
