using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>The endpoints the ops dashboard reads, through the gateway: recent traces, the config store (masked), stuck sagas.</summary>
[Collection("system")]
public sealed class OpsDashboardTests(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task RecentTraces_ListAPlacedOrder_WithItsServices_AndAreForAdmins()
    {
        // Given an order placed in a trace of our own
        var sku = SystemFixture.NewSku("traces");
        await _shop.PutStockAsync(sku, available: 5, price: 1m);
        await _shop.SetBalanceAsync("alice", 100m);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        string orderId;
        using (var placed = await _shop.SendAsync(HttpMethod.Post, "api/orders", "alice", ShopClient.Order(sku, 1),
            r => r.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01")))
        {
            Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
            orderId = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetString()!;
        }


        // When the recent traces are listed, Then it is there with the gateway and orders in it
        var trace = await Poll.ForAsync(async () =>
        {
            using var response = await _shop.SendAsync(HttpMethod.Get, "ops/traces?limit=200", "admin");
            var traces = await response.Content.ReadFromJsonAsync<JsonElement>();
            return traces.EnumerateArray().Where(t => t.GetProperty("traceId").GetString() == traceId).Select(t => (JsonElement?)t).FirstOrDefault();
        }, "the order's trace is not listed");
        var services = trace.GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains("gateway", services);
        Assert.Contains("orders", services);
        Assert.True(trace.GetProperty("durationMs").GetDouble() > 0);
        Assert.False(string.IsNullOrEmpty(trace.GetProperty("name").GetString()));
        await _shop.FinalAsync("alice", orderId); // done before the next test, which may count sagas

        using var customer = await _shop.SendAsync(HttpMethod.Get, "ops/traces", "alice");
        using var tooMany = await _shop.SendAsync(HttpMethod.Get, "ops/traces?limit=0", "admin");
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.BadRequest), (customer.StatusCode, tooMany.StatusCode));
    }

    [Fact]
    public async Task ConfigListing_ShowsWrittenValues_AndMasksSecrets()
    {
        // Given a plain value and a secret written to the config store
        await _shop.SetConfigAsync("Dashboard:Colour", "teal");
        await _shop.SetConfigAsync("Dashboard:ApiKey", "do-not-show");

        // When it is listed
        using var response = await _shop.SendAsync(HttpMethod.Get, "ops/config", "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var values = JsonSerializer.Deserialize<JsonElement>(text).EnumerateArray()
            .ToDictionary(v => v.GetProperty("key").GetString()!, v => v.GetProperty("value").GetString());

        // Then the plain value shows, the secret does not
        Assert.Equal("teal", values["Dashboard:Colour"]);
        Assert.Equal("********", values["Dashboard:ApiKey"]);
        Assert.DoesNotContain("do-not-show", text, StringComparison.Ordinal);
        using var customer = await _shop.SendAsync(HttpMethod.Get, "ops/config", "alice");
        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
    }

    [Fact]
    public async Task StuckSagas_ListAnOrderPendingWhilePaymentsIsDown_UntilItCompletes()
    {
        // Given an order that waits for payments, which is down
        var sku = SystemFixture.NewSku("stuck");
        await _shop.PutStockAsync(sku, available: 5, price: 10m);
        await _shop.SetBalanceAsync("bob", 50m);
        await _shop.SetFaultAsync("payments", "down");
        string orderId;
        try
        {
            orderId = await _shop.PlaceAsync("bob", ShopClient.Order(sku, 1));

            // When the stuck sagas (pending over 1 s) are asked for, Then it is listed with its age
            var stuck = await Poll.ForAsync(async () =>
            {
                using var response = await _shop.SendAsync(HttpMethod.Get, "api/orders/stuck?olderThanSeconds=1", "admin");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var list = await response.Content.ReadFromJsonAsync<JsonElement>();
                return list.EnumerateArray().Where(s => s.GetProperty("orderId").GetString() == orderId).Select(s => (JsonElement?)s).FirstOrDefault();
            }, "the pending order is not listed as stuck");
            Assert.True(stuck.GetProperty("ageSeconds").GetDouble() >= 1);
        }
        finally
        {
            await _shop.SetFaultAsync("payments", "none");
        }

        // And once payments is back and the order completes, it is no longer listed
        Assert.Equal("Confirmed", (await _shop.FinalAsync("bob", orderId, TimeSpan.FromSeconds(60))).Status);
        using var after = await _shop.SendAsync(HttpMethod.Get, "api/orders/stuck?olderThanSeconds=0", "admin");
        Assert.DoesNotContain(orderId, await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var customer = await _shop.SendAsync(HttpMethod.Get, "api/orders/stuck", "alice");
        using var bad = await _shop.SendAsync(HttpMethod.Get, "api/orders/stuck?olderThanSeconds=-1", "admin");
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.BadRequest), (customer.StatusCode, bad.StatusCode));
    }
}
