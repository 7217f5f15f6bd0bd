using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace Serverless.EndToEndTests;

/// <summary>The local-mode operations of API.md: fault switches and the config store, and what they prove.</summary>
[Collection("system")]
public sealed class LocalOperationsTests(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task FaultSwitch_IsForAdmins_KnowsItsServices_AndItsModes()
    {
        using var customer = await _shop.SendAsync(HttpMethod.Put, "ops/faults/payments", "alice", new { mode = "down" });
        using var unknown = await _shop.SendAsync(HttpMethod.Put, "ops/faults/billing", "admin", new { mode = "down" });
        using var badMode = await _shop.SendAsync(HttpMethod.Put, "ops/faults/payments", "admin", new { mode = "broken" });
        using var anonymous = await _shop.SendAsync(HttpMethod.Put, "ops/faults/payments", null, new { mode = "down" });

        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badMode.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(100m, await SetAndReadBalance(100m)); // payments was never switched off
    }

    [Fact]
    public async Task TheSwitchesAsTheyAreNow_AreReadable_ByAdminsOnly()
    {
        // Given shipping switched to slow
        await _shop.SetFaultAsync("shipping", "slow");
        try
        {
            // When an admin and a customer read the switches
            using var admin = await _shop.SendAsync(HttpMethod.Get, "ops/faults", "admin");
            using var customer = await _shop.SendAsync(HttpMethod.Get, "ops/faults", "alice");

            // Then the admin sees every service and the bus with its mode, shipping slow; the customer gets 403
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Forbidden), (admin.StatusCode, customer.StatusCode));
            var modes = await admin.Content.ReadFromJsonAsync<Dictionary<string, string>>();
            Assert.Equal("slow", modes!["shipping"]);
            Assert.Equal("none", modes["payments"]);
            Assert.Superset(new HashSet<string> { "identity", "inventory", "payments", "shipping", "orders", "order-history", "notifications", "bus" }, modes.Keys.ToHashSet());
        }
        finally
        {
            await _shop.SetFaultAsync("shipping", "none");
        }

        using var after = await _shop.SendAsync(HttpMethod.Get, "ops/faults", "admin");
        Assert.Equal("none", (await after.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["shipping"]);
    }

    [Fact]
    public async Task PaymentsDown_OrderIsStillAccepted_HistoryKeepsAnswering_AndTheOrderCompletesOnceItIsBack()
    {
        var sku = SystemFixture.NewSku("later");
        await _shop.PutStockAsync(sku, 5, 10m);
        await _shop.SetBalanceAsync("bob", 50m);
        await _shop.SetFaultAsync("payments", "down");
        string orderId;
        try
        {
            using var direct = await _shop.SendAsync(HttpMethod.Get, "api/payments/accounts/bob", "bob");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, direct.StatusCode);

            // Accepted while payments is down, and it waits rather than fails
            orderId = await _shop.PlaceAsync("bob", ShopClient.Order(sku, 1));
            var deadline = DateTime.UtcNow.AddSeconds(4);
            while (DateTime.UtcNow < deadline)
            {
                Assert.Equal("Pending", (await _shop.OrderAsync("bob", orderId)).Status);
                await Task.Delay(250);
            }

            using var history = await _shop.SendAsync(HttpMethod.Get, "api/order-history", "bob");
            Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        }
        finally
        {
            await _shop.SetFaultAsync("payments", "none");
        }

        var order = await _shop.FinalAsync("bob", orderId, TimeSpan.FromSeconds(60));
        Assert.Equal("Confirmed", order.Status);
        Assert.Equal(40m, await _shop.BalanceAsync("bob"));
    }

    [Fact]
    public async Task SlowService_AnswersTwoSecondsLate()
    {
        await _shop.SetFaultAsync("inventory", "slow");
        try
        {
            var clock = Stopwatch.StartNew();
            using var response = await _shop.SendAsync(HttpMethod.Get, "api/inventory/X-1", "admin");
            // Task.Delay's timer may fire a millisecond before the stopwatch reads 2 s; 1.9 s still
            // tells a slowed answer from a normal one (a few milliseconds).
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"answered after {clock.Elapsed}");
        }
        finally
        {
            await _shop.SetFaultAsync("inventory", "none");
        }
    }

    [Fact]
    public async Task ConfigStoreWrite_TakesEffectWithoutRestart()
    {
        var sku = SystemFixture.NewSku("config");
        await _shop.PutStockAsync(sku, 10, 1m);
        await _shop.SetBalanceAsync("alice", 100m);
        using var customer = await _shop.SendAsync(HttpMethod.Put, "ops/config/Shipping:SupportedCountries", "alice", new { value = "ZZ" });
        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);

        await SetConfig("KR,US,GB,DE,FR,JP,ZZ");
        try
        {
            // The watched file reloads within a moment; until then a ZZ order may still be refused.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                var order = await _shop.FinalAsync("alice", await _shop.PlaceAsync("alice", ShopClient.Order(sku, 1, country: "ZZ")));
                if (order.Status == "Confirmed")
                {
                    break;
                }

                Assert.Equal("ShippingUnavailable", order.CancellationReason);
                Assert.True(DateTime.UtcNow < deadline, "The new configuration never took effect.");
            }
        }
        finally
        {
            await SetConfig("KR,US,GB,DE,FR,JP");
        }
    }

    [Fact]
    public async Task OpsStatus_ShowsHealthCircuitsSagasDeadLettersAndLag_ToAdminsOnly()
    {
        var sku = SystemFixture.NewSku("status");
        await _shop.PutStockAsync(sku, 5, 1m);
        await _shop.SetBalanceAsync("alice", 10m);
        await _shop.FinalAsync("alice", await _shop.PlaceAsync("alice", ShopClient.Order(sku, 1)));
        using var customer = await _shop.SendAsync(HttpMethod.Get, "ops/status", "alice");
        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);

        var status = await Status();
        var services = status.GetProperty("services");
        Assert.All(["identity", "inventory", "payments", "shipping", "orders", "order-history", "notifications"], name =>
        {
            Assert.True(services.GetProperty(name).GetProperty("healthy").GetBoolean(), name);
            Assert.Equal("closed", services.GetProperty(name).GetProperty("circuit").GetString());
        });
        var sagas = status.GetProperty("sagas");
        var total = sagas.GetProperty("Pending").GetInt32() + sagas.GetProperty("Confirmed").GetInt32() + sagas.GetProperty("Cancelled").GetInt32();
        Assert.True(sagas.GetProperty("Confirmed").GetInt32() >= 1);
        Assert.Equal(total, (await _shop.OrdersAsync("alice")).Count + (await _shop.OrdersAsync("bob")).Count);
        Assert.True(status.GetProperty("deadLetters").GetInt32() >= 0);
        Assert.True(status.GetProperty("projectionLagMs").GetDouble() >= 0);

        await _shop.SetFaultAsync("shipping", "down");
        try
        {
            Assert.False((await Status()).GetProperty("services").GetProperty("shipping").GetProperty("healthy").GetBoolean());
        }
        finally
        {
            await _shop.SetFaultAsync("shipping", "none");
        }
    }

    [Fact]
    public async Task OpsStatus_SaysNullOrUnknown_ForWhatItCannotRead_NeverZerosOrClosed()
    {
        await _shop.SetFaultAsync("orders", "down");
        try
        {
            var status = await Status();
            Assert.Equal(System.Text.Json.JsonValueKind.Null, status.GetProperty("sagas").ValueKind);
            Assert.False(status.GetProperty("services").GetProperty("orders").GetProperty("healthy").GetBoolean());
        }
        finally
        {
            await _shop.SetFaultAsync("orders", "none");
        }

        await _shop.SetFaultAsync("web-bff", "down");
        try
        {
            var services = (await Status()).GetProperty("services");
            Assert.All(["identity", "inventory", "payments", "shipping", "orders", "order-history", "notifications"], name =>
            {
                Assert.Equal("unknown", services.GetProperty(name).GetProperty("circuit").GetString());
                Assert.Equal(System.Text.Json.JsonValueKind.True, services.GetProperty(name).GetProperty("healthy").ValueKind);
            });
        }
        finally
        {
            await _shop.SetFaultAsync("web-bff", "none");
        }

        // Back up: every part is readable again.
        var recovered = await Status();
        Assert.Equal(System.Text.Json.JsonValueKind.Object, recovered.GetProperty("sagas").ValueKind);
        Assert.Equal("closed", recovered.GetProperty("services").GetProperty("orders").GetProperty("circuit").GetString());
    }

    private async Task<System.Text.Json.JsonElement> Status()
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, "ops/status", "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content);
    }

    private Task SetConfig(string countries) => _shop.SetConfigAsync("Shipping:SupportedCountries", countries);

    private async Task<decimal> SetAndReadBalance(decimal balance)
    {
        await _shop.SetBalanceAsync("alice", balance);
        return await _shop.BalanceAsync("alice");
    }
}
