using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>Back ends for front ends: API composition with circuit breakers and fallback, and a slim mobile list.</summary>
[Collection("system")]
public sealed class BffTests(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task WebOrderPage_ComposesOrderPaymentAndShipment()
    {
        var orderId = await ConfirmedOrder("alice");

        var page = await _shop.WebOrderPageAsync("alice", orderId);

        Assert.Equal(orderId, page.GetProperty("order").GetProperty("orderId").GetString());
        Assert.Equal("Confirmed", page.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal("Charged", page.GetProperty("payment").GetProperty("status").GetString());
        Assert.Equal(6m, page.GetProperty("payment").GetProperty("amount").GetDecimal());
        Assert.Equal("Booked", page.GetProperty("shipment").GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(page.GetProperty("shipment").GetProperty("trackingNumber").GetString()));
        Assert.Empty(page.GetProperty("degraded").EnumerateArray());
    }

    [Fact]
    public async Task WebOrderPage_OfAnotherCustomersOrder_Is404()
    {
        var orderId = await ConfirmedOrder("alice");

        using var response = await _shop.SendAsync(HttpMethod.Get, $"bff/web/orders/{orderId}", "bob");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task PaymentsDown_PageStillAnswers200Fast_WithPaymentNullAndDegraded_AndTheBreakerOpensThenClosesAgain()
    {
        var orderId = await ConfirmedOrder("alice");
        var healthy = await _shop.WebOrderPageAsync("alice", orderId); // the page as a client saw it just before payments went down
        Assert.Empty(healthy.GetProperty("degraded").EnumerateArray());
        await _shop.SetFaultAsync("payments", "down");
        try
        {
            // Composition degrades instead of failing; the bound is only far below the HTTP client's 100 s timeout
            // (the BFF gives payments 1.5 s in all), not a measure of speed on a busy runner
            var clock = Stopwatch.StartNew();
            var page = await _shop.WebOrderPageAsync("alice", orderId);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
            Assert.Equal(JsonValueKind.Null, page.GetProperty("payment").ValueKind);
            Assert.Equal(["payments"], page.GetProperty("degraded").EnumerateArray().Select(d => d.GetString()));
            Assert.Equal("Booked", page.GetProperty("shipment").GetProperty("status").GetString());

            // Failures open the payments circuit; then the fallback answers without calling payments at all:
            // payments is healthy again, yet (within the 5 s break) the page still leaves it out
            await Eventually(async () => (await Circuits()).GetProperty("payments").GetString() == "open", async () => await _shop.WebOrderPageAsync("alice", orderId));
            await _shop.SetFaultAsync("payments", "none");
            page = await _shop.WebOrderPageAsync("alice", orderId);
            Assert.Equal(JsonValueKind.Null, page.GetProperty("payment").ValueKind);
            Assert.Equal(["payments"], page.GetProperty("degraded").EnumerateArray().Select(d => d.GetString()));
            Assert.Equal("closed", (await Circuits()).GetProperty("shipping").GetString());
        }
        finally
        {
            await _shop.SetFaultAsync("payments", "none");
        }

        // Once payments is back, a trial call after the break closes the circuit again
        await Eventually(async () => (await Circuits()).GetProperty("payments").GetString() == "closed", async () => await _shop.WebOrderPageAsync("alice", orderId));
        var healed = await _shop.WebOrderPageAsync("alice", orderId);
        Assert.Empty(healed.GetProperty("degraded").EnumerateArray());
        Assert.Equal("Charged", healed.GetProperty("payment").GetProperty("status").GetString());
    }

    [Fact]
    public async Task MobileOrders_AreTheCallersOwn_Slim_NewestFirst()
    {
        var first = await ConfirmedOrder("bob");
        var second = await ConfirmedOrder("bob");

        using var response = await _shop.SendAsync(HttpMethod.Get, "bff/mobile/orders?limit=500", "bob");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var orders = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();

        Assert.Equal([second, first], orders.Select(o => o.GetProperty("orderId").GetString()).Where(id => id == first || id == second));
        Assert.All(orders, o => Assert.Equal(["orderId", "status", "total"], o.EnumerateObject().Select(p => p.Name).Order()));
        Assert.Equal((await _shop.OrdersAsync("bob")).Count, orders.Count);
    }

    private Task<string> ConfirmedOrder(string user) => _shop.ConfirmedOrderAsync(user, "bff");

    private async Task<JsonElement> Circuits()
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, "bff/web/circuits", "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Repeats <paramref name="act"/> until <paramref name="condition"/> holds, or fails at the deadline.</summary>
    private static Task Eventually(Func<Task<bool>> condition, Func<Task> act) =>
        Poll.UntilAsync(async () =>
        {
            if (await condition())
            {
                return true;
            }

            await act();
            return false;
        }, "The circuit did not reach the expected state in time.");
}
