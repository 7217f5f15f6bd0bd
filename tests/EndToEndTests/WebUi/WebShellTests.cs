using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Serverless.EndToEndTests.WebUi;

/// <summary>
/// The web shell and its fragments in a real browser (API.md, "Web UI"): a customer shops end to end,
/// a service that is down only takes its own part of the page with it (and that part comes back by
/// itself), and a fragment that throws never breaks the shell or another fragment.
/// </summary>
[Collection("system")]
public sealed class WebShellTests(SystemFixture system, Chromium chromium) : IClassFixture<Chromium>
{
    private readonly ShopClient _shop = system.Shop;

    [Theory]
    [InlineData("", "text/html")]
    [InlineData("web/web-bff/shell.js", "text/javascript")]
    [InlineData("web/web-bff/shell.css", "text/css")]
    [InlineData("web/inventory/inventory.js", "text/javascript")]
    [InlineData("web/orders/orders.js", "text/javascript")]
    [InlineData("web/payments/payments.js", "text/javascript")]
    [InlineData("web/order-history/order-history.js", "text/javascript")]
    [InlineData("web/notifications/notifications.js", "text/javascript")]
    [InlineData("web/web-bff/ops.js", "text/javascript")]
    public async Task ShellAndFragments_AreServedWithoutAToken_ByTheirServices_WithAShortCachePolicy(string path, string type)
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, path, user: null);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.CacheControl?.MaxAge);
    }

    [Theory]
    [InlineData("web/orders/nothing.js")]
    [InlineData("web/orders/orders.exe")]
    [InlineData("web/nobody/nobody.js")]
    [InlineData("index.html")]
    public async Task UnknownWebFile_Is404Problem_AndTheShellSwallowsNoOtherPath(string path)
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, path, user: null);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Customer_PlacesAnOrder_AndSeesItConfirmed_InHistory_Notifications_AndWallet_WithoutReloading()
    {
        // Given a fresh SKU in stock and alice's wallet topped up
        var sku = SystemFixture.NewSku("web");
        await _shop.PutStockAsync(sku, available: 10, price: 12.50m);
        await _shop.SetBalanceAsync("alice", 100m);
        await using var context = await NewContextAsync();
        var page = await SignedInAsync(context, "alice");
        await Expect(page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Operations" })).ToHaveCountAsync(0);
        await page.EvaluateAsync("() => window.__sameDocument = true");

        // When she finds it in the catalogue and orders two, shipped to the US
        var catalogue = page.Locator("shop-inventory");
        await catalogue.GetByLabel("Find a SKU").FillAsync(sku);
        await Expect(catalogue.Locator($"tr[data-sku='{sku}']")).ToContainTextAsync("12.50");
        await catalogue.GetByRole(AriaRole.Button, new() { Name = $"Order {sku}" }).ClickAsync();
        var orders = page.Locator("shop-orders");
        await Expect(orders.GetByLabel("SKU")).ToHaveValueAsync(sku);
        await orders.GetByLabel("Quantity").FillAsync("2");
        await orders.GetByLabel("Country").SelectOptionAsync("US");
        await orders.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();

        // Then her order turns Confirmed on the same page (no reload), and every other fragment follows
        var row = orders.Locator("tbody tr", new() { HasText = sku });
        await Expect(row).ToHaveAttributeAsync("data-status", "Confirmed", new() { Timeout = 30_000 });
        var orderId = await row.GetAttributeAsync("data-order-id");
        await Expect(row).ToContainTextAsync("25.00");
        await Expect(page.Locator($"shop-order-history tr[data-order-id='{orderId}']")).ToHaveAttributeAsync("data-status", "Confirmed");
        await Expect(page.Locator($"shop-notifications li[data-order-id='{orderId}'][data-type='OrderConfirmed']")).ToBeVisibleAsync();
        await Expect(page.Locator("shop-wallet [data-role=balance]")).ToHaveTextAsync("75.00");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
        await page.ScreenshotAsync(new() { Path = Screenshot("shell-order-confirmed.png"), FullPage = true });

        // And the same page works on a phone
        await page.SetViewportSizeAsync(375, 812);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 375"), "no horizontal scrolling at 375 px");
        await page.ScreenshotAsync(new() { Path = Screenshot("shell-phone.png") });
    }

    [Fact]
    public async Task OrdersDown_ShellAndOtherFragmentsWork_OrdersShowsUnavailable_AndComesBackByItself()
    {
        await _shop.SetBalanceAsync("alice", 100m);
        await _shop.SetFaultAsync("orders", "down");
        try
        {
            // Given the orders service is down when alice opens the shop
            await using var context = await NewContextAsync();
            var page = await SignedInAsync(context, "alice", waitForOrders: false);

            // Then only its slot says so, with a retry button; the shell and the other fragments work
            var slot = page.Locator("#slot-orders");
            await Expect(slot).ToHaveAttributeAsync("data-state", "unavailable");
            await Expect(slot).ToContainTextAsync("unavailable");
            await Expect(slot.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync();
            await Expect(page.Locator("shop-inventory [data-role=summary]")).ToContainTextAsync("SKUs");
            await Expect(page.Locator("#slot-payments")).ToHaveAttributeAsync("data-state", "ready");
            await Expect(page.Locator("shop-wallet [data-role=balance]")).ToHaveTextAsync("100.00");
            await page.ScreenshotAsync(new() { Path = Screenshot("shell-orders-unavailable.png"), FullPage = true });

            // When orders is back, the slot recovers without a reload
            await page.EvaluateAsync("() => window.__sameDocument = true");
            await _shop.SetFaultAsync("orders", "none");
            await Expect(slot).ToHaveAttributeAsync("data-state", "ready");
            await Expect(page.Locator("shop-orders [data-role=summary]")).Not.ToContainTextAsync("Loading");
            await Expect(page.Locator("shop-orders").GetByRole(AriaRole.Button, new() { Name = "Place order" })).ToBeVisibleAsync();
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
        }
        finally
        {
            await _shop.SetFaultAsync("orders", "none");
        }
    }

    [Fact]
    public async Task FragmentsThatThrowOrAnswer503_NeverBreakTheShell_OrAnotherFragment()
    {
        // Given notifications' module throws as it loads, the wallet's element throws once on the page,
        // and order history's service answers 503 (all three in the browser, by route interception)
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.RouteAsync("**/web/notifications/notifications.js*", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "text/javascript", Body = "throw new Error('broken on purpose');",
        }));
        await page.RouteAsync("**/web/payments/payments.js*", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "text/javascript",
            Body = "export const tag = 'shop-wallet'; customElements.define(tag, class extends HTMLElement { connectedCallback() { throw new Error('broken on purpose'); } });",
        }));
        await page.RouteAsync("**/api/order-history*", route => route.FulfillAsync(new()
        {
            Status = 503, ContentType = "application/problem+json", Body = """{"status":503,"title":"Service unavailable"}""",
        }));

        // When alice signs in
        await SignInAsync(page, "alice");

        // Then each of them shows its own state with a retry button, and the rest works
        await Expect(page.Locator("#slot-notifications")).ToHaveAttributeAsync("data-state", "error");
        await Expect(page.Locator("#slot-payments")).ToHaveAttributeAsync("data-state", "error");
        await Expect(page.Locator("#slot-order-history")).ToHaveAttributeAsync("data-state", "unavailable");
        foreach (var broken in new[] { "#slot-notifications", "#slot-payments", "#slot-order-history" })
        {
            await Expect(page.Locator(broken).GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync();
        }

        await Expect(page.Locator("#slot-inventory")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.Locator("shop-inventory [data-role=summary]")).ToContainTextAsync("SKUs");
        await Expect(page.Locator("#slot-orders")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeEnabledAsync();

        // And once order history answers again, its slot recovers by itself
        await page.UnrouteAsync("**/api/order-history*");
        await Expect(page.Locator("#slot-order-history")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.Locator("shop-order-history [data-role=summary]")).Not.ToContainTextAsync("Loading");
    }

    [Fact]
    public async Task FragmentsThatFailLater_ByAThrowInATimerOrARejectedPromise_OnlyLoseTheirOwnSlot()
    {
        // Given a catalogue that throws from a timer and notifications that leave a promise rejected, once on the page
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.RouteAsync("**/web/inventory/inventory.js*", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "text/javascript",
            Body = "export const tag = 'shop-inventory'; customElements.define(tag, class extends HTMLElement { connectedCallback() { this.textContent = 'fine so far'; setTimeout(() => { throw new Error('later, on purpose'); }, 300); } });",
        }));
        await page.RouteAsync("**/web/notifications/notifications.js*", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "text/javascript",
            Body = "export const tag = 'shop-notifications'; customElements.define(tag, class extends HTMLElement { connectedCallback() { this.textContent = 'fine so far'; setTimeout(async () => { throw new Error('rejected, on purpose'); }, 300); } });",
        }));

        // When alice signs in
        await SignInAsync(page, "alice");

        // Then those two slots show an error with a retry button, and the others keep working
        await Expect(page.Locator("#slot-inventory")).ToHaveAttributeAsync("data-state", "error");
        await Expect(page.Locator("#slot-notifications")).ToHaveAttributeAsync("data-state", "error");
        await Expect(page.Locator("#slot-inventory").GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync();
        await Expect(page.Locator("#slot-orders")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.Locator("#slot-payments")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.Locator("#slot-order-history")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeEnabledAsync();
    }

    [Fact]
    public async Task Admin_SeesTheOpsSlot_WithEveryServicesStatus()
    {
        await using var context = await NewContextAsync();
        var page = await SignedInAsync(context, "admin", waitForOrders: false);

        await Expect(page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Operations" })).ToBeVisibleAsync();
        await Expect(page.Locator("shop-ops tbody tr", new() { HasText = "orders" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Admin_OpsDashboard_ShowsEveryPart_AtPhoneWidth_AndItsSwitchesAct()
    {
        // Given an admin on a phone-wide screen, and an order with its trace
        await system.Shop.ConfirmedOrderAsync("alice", "dash");
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = system.Host.Gateway.ToString(), ViewportSize = new() { Width = 375, Height = 800 } });
        var page = await SignedInAsync(context, "admin", waitForOrders: false);
        var ops = page.Locator("shop-ops");

        // Then every part has read its endpoint
        await Expect(ops.Locator("[data-role=sagas] dt", new() { HasText = "Confirmed" })).ToBeVisibleAsync();
        await Expect(ops.Locator("[data-role=lag]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+ ms$"));
        await Expect(ops.Locator("[data-role=dead-count]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+$"));
        await Expect(ops.Locator("[data-role=stuck-note]")).ToContainTextAsync("pending longer than");
        await Expect(ops.Locator("[data-role=traces] button").First).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 375"), "nothing wider than the phone");

        // When a trace is opened, Then its waterfall has a bar per span
        await ops.Locator("[data-role=traces] button").First.ClickAsync();
        await Expect(ops.Locator("[data-role=waterfall] .bar").First).ToBeVisibleAsync();

        // When payments is switched down from the dashboard, Then its health shows it; and back
        await ops.GetByLabel("payments", new() { Exact = true }).SelectOptionAsync("down");
        await ops.GetByRole(AriaRole.Button, new() { Name = "Set the fault of payments" }).ClickAsync();
        try
        {
            await Expect(ops.Locator("[data-role=fault-note]")).ToHaveTextAsync("payments is now down.");
            await Expect(ops.Locator("tbody tr", new() { HasText = "payments" })).ToContainTextAsync("down");
        }
        finally
        {
            await system.Shop.SetFaultAsync("payments", "none");
        }

        // And the log search and the config answer
        await ops.GetByLabel("Value", new() { Exact = true }).FillAsync("no-such-correlation-id");
        await ops.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(ops.Locator("[data-role=log-note]")).ToHaveTextAsync("0 line(s).");
        await page.ScreenshotAsync(new() { Path = Screenshot("ops-dashboard-375.png"), FullPage = true });
    }

    [Fact]
    public async Task Admin_SeesAnOrdersTraceAsAWaterfall_AndItsLogLinesByCorrelationId()
    {
        // Given an order placed through the gateway with the client's own correlation id, confirmed
        var sku = SystemFixture.NewSku("waterfall");
        await _shop.PutStockAsync(sku, 5, 3m);
        await _shop.SetBalanceAsync("alice", 100m);
        var correlationId = "dash-" + Guid.NewGuid().ToString("N")[..12];
        using var placed = await _shop.SendAsync(HttpMethod.Post, "api/orders", "alice", ShopClient.Order(sku, 1), r => r.Headers.Add("x-correlation-id", correlationId));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, placed.StatusCode);
        var traceId = placed.Headers.GetValues("traceparent").Single().Split('-')[1];
        var orderId = (await placed.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("orderId").GetString()!;
        Assert.Equal("Confirmed", (await _shop.FinalAsync("alice", orderId)).Status);

        // When an admin opens the dashboard and asks for that trace
        await using var context = await NewContextAsync();
        var page = await SignedInAsync(context, "admin", waitForOrders: false);
        var ops = page.Locator("shop-ops");
        await ops.GetByLabel("Trace id").FillAsync(traceId);
        await ops.GetByRole(AriaRole.Button, new() { Name = "Show trace" }).ClickAsync();

        // Then its waterfall has a bar per span, from the gateway through the saga to the participants and consumers
        var waterfall = ops.Locator("[data-role=waterfall]");
        await Expect(waterfall.Locator("h3")).ToContainTextAsync($"Trace {traceId}");
        foreach (var component in new[] { "gateway", "orders", "orders-saga", "inventory", "payments", "shipping", "notifications" })
        {
            await Expect(waterfall.Locator(".label", new() { HasTextString = component + " \u00b7 " }).First).ToBeVisibleAsync();
        }

        Assert.Equal(await waterfall.Locator(".span").CountAsync(), await waterfall.Locator(".bar").CountAsync());

        // And the log search by its correlation id shows the lines of the gateway, the saga and a participant
        await ops.GetByLabel("Search by").SelectOptionAsync("correlationId");
        await ops.GetByLabel("Value", new() { Exact = true }).FillAsync(correlationId);
        await ops.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var logs = ops.Locator("[data-role=logs]");
        await Expect(logs.Locator("tr", new() { HasTextString = $"Order {orderId} confirmed" })).ToContainTextAsync("orders-saga");
        await Expect(logs.Locator("tr", new() { HasTextString = "POST /api/orders answered 202" })).ToContainTextAsync("gateway");
        await Expect(logs.Locator("tr", new() { HasTextString = $"for order {orderId} charged" })).ToContainTextAsync("payments");
        await ops.ScreenshotAsync(new() { Path = Screenshot("ops-dashboard.png") });
    }

    private Task<IBrowserContext> NewContextAsync() =>
        chromium.Browser.NewContextAsync(new() { BaseURL = system.Host.Gateway.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });

    private static async Task<IPage> SignedInAsync(IBrowserContext context, string user, bool waitForOrders = true)
    {
        var page = await context.NewPageAsync();
        await SignInAsync(page, user);
        if (waitForOrders)
        {
            await Expect(page.Locator("#slot-orders")).ToHaveAttributeAsync("data-state", "ready");
        }

        return page;
    }

    private static async Task SignInAsync(IPage page, string user)
    {
        await page.GotoAsync("/");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync($"{user}-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByText($"{user} (")).ToBeVisibleAsync();
    }

    private static string Screenshot(string name) => Path.Combine(Chromium.Screenshots, name);
}
