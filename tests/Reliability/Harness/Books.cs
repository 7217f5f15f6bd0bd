using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.Reliability;

/// <summary>
/// What a scenario set up (each SKU's initial stock, each wallet's initial balance) and every order it
/// placed, so that afterwards the invariants can be checked through the public API alone:
/// <list type="bullet">
/// <item>every order ends final (<c>Confirmed</c> or <c>Cancelled</c>);</item>
/// <item>for every SKU, initial stock = available + reserved + sold, and nothing stays reserved;</item>
/// <item>for every wallet, initial balance = balance + charged - refunded (= balance + the confirmed orders' totals);</item>
/// <item>every Confirmed order has one charge (Charged, for its total) and one booked shipment; every
/// Cancelled order has none left standing;</item>
/// <item>every order's history entry and notifications match its final state (exactly one per type).</item>
/// </list>
/// </summary>
public sealed class Books(ShopClient shop)
{
    private readonly ConcurrentDictionary<string, int> _stock = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, decimal> _wallets = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Placed> _orders = [];
    private readonly ConcurrentDictionary<string, bool> _cancelled = new(StringComparer.Ordinal);

    public ShopClient Shop => shop;

    public IReadOnlyList<Placed> Orders => [.. _orders];

    /// <summary>A new SKU with <paramref name="stock"/> units at <paramref name="price"/>.</summary>
    public async Task<string> NewSkuAsync(string prefix, int stock, decimal price)
    {
        var sku = ShopClient.NewSku(prefix);
        await shop.PutStockAsync(sku, stock, price);
        _stock[sku] = stock;
        return sku;
    }

    /// <summary>Sets the customer's wallet; the scenario's orders by that customer are checked against it.</summary>
    public async Task WalletAsync(string customer, decimal balance)
    {
        await shop.SetBalanceAsync(customer, balance);
        _wallets[customer] = balance;
    }

    /// <summary>Places one order through the gateway (asserting the 202) and books it.</summary>
    public async Task<string> PlaceAsync(string customer, string sku, int quantity)
    {
        var orderId = await shop.PlaceAsync(customer, ShopClient.Order(sku, quantity));
        _orders.Add(new Placed(customer, orderId, sku, quantity));
        return orderId;
    }

    /// <summary>Places <paramref name="count"/> orders at once (quantity 1..3), as concurrent clients would.</summary>
    public async Task<string[]> PlaceManyAsync(string customer, string sku, int count, Func<int, int>? quantity = null) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => PlaceAsync(customer, sku, quantity?.Invoke(i) ?? 1 + (i % 3))));

    /// <summary>The customer cancels the order (asserting the 202): from now on it is final only once <c>Cancelled</c>.</summary>
    public async Task CancelAsync(string customer, string orderId)
    {
        using var response = await shop.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/cancel", customer);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        _cancelled[orderId] = true;
    }

    /// <summary>Books a cancel the scenario sent itself: the order is final only once <c>Cancelled</c>.</summary>
    public void CancelRequested(string orderId) => _cancelled[orderId] = true;

    /// <summary>Whether the order has reached its end: Confirmed or Cancelled, and Cancelled if its customer asked to cancel.</summary>
    public bool IsFinal(OrderView order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return _cancelled.ContainsKey(order.OrderId) ? order.Status == "Cancelled" : ShopClient.FinalStatuses.Contains(order.Status);
    }

    /// <summary>Books an order placed some other way (e.g. raced in with an idempotency key).</summary>
    public void Add(string customer, string orderId, string sku, int quantity) => _orders.Add(new Placed(customer, orderId, sku, quantity));

    /// <summary>The orders' current views (one read each).</summary>
    public async Task<IReadOnlyList<OrderView>> CurrentAsync() =>
        await Task.WhenAll(Orders.Select(o => shop.OrderAsync(o.Customer, o.OrderId)));

    /// <summary>Waits until every booked order is final, or fails at the deadline naming the ones that are not.</summary>
    public async Task<IReadOnlyList<OrderView>> AllFinalAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var current = await CurrentAsync();
            var open = current.Where(o => !IsFinal(o)).ToList();
            if (open.Count == 0)
            {
                return current;
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"{open.Count} of {current.Count} orders are not final after {within.TotalSeconds:0} s: {string.Join(", ", open.Take(5).Select(o => $"{o.OrderId} {o.Status}"))}");
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// Waits for every order to be final, then checks every invariant (read models within
    /// <paramref name="readModelsWithin"/>). Returns a one-line summary; throws on the first broken invariant.
    /// </summary>
    public async Task<string> CheckAsync(TimeSpan finalWithin, TimeSpan? readModelsWithin = null)
    {
        var final = (await AllFinalAsync(finalWithin)).ToDictionary(o => o.OrderId, StringComparer.Ordinal);
        var confirmed = final.Values.Where(o => o.Status == "Confirmed").ToList();

        // Stock: initial = available + reserved + sold, nothing left reserved.
        foreach (var (sku, initial) in _stock)
        {
            var item = await shop.StockAsync(sku);
            var sold = confirmed.SelectMany(o => o.Items).Where(i => i.Sku == sku).Sum(i => i.Quantity);
            Assert.True(item.Reserved == 0, $"SKU {sku}: {item.Reserved} units still reserved with every order final.");
            Assert.True(initial == item.Available + item.Reserved + sold,
                $"SKU {sku}: initial {initial} != available {item.Available} + reserved {item.Reserved} + sold {sold}.");
        }

        // Wallets: initial = balance + charged - refunded, i.e. balance + what the confirmed orders cost.
        foreach (var (customer, initial) in _wallets)
        {
            var balance = await shop.BalanceAsync(customer);
            var spent = confirmed.Where(o => o.CustomerId == customer).Sum(o => o.Total);
            Assert.True(initial == balance + spent, $"Wallet {customer}: initial {initial} != balance {balance} + confirmed totals {spent}.");
        }

        // Each order's charge and shipment, as the web BFF composes them.
        var deadline = DateTime.UtcNow + (readModelsWithin ?? TimeSpan.FromSeconds(60));
        foreach (var order in final.Values)
        {
            await ParticipantsMatchAsync(order, deadline);
        }

        // Read models: history and notifications converge on the final states.
        foreach (var customer in final.Values.Select(o => o.CustomerId).Distinct())
        {
            var mine = final.Values.Where(o => o.CustomerId == customer).ToList();
            await HistoryMatchesAsync(customer, mine, deadline);
            await NotificationsMatchAsync(customer, mine, deadline);
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{final.Count} orders final ({confirmed.Count} confirmed, {final.Count - confirmed.Count} cancelled); stock, wallets, charges, shipments, history and notifications balance");
    }

    private async Task ParticipantsMatchAsync(OrderView order, DateTime deadline)
    {
        while (true)
        {
            var page = await shop.WebOrderPageAsync(order.CustomerId, order.OrderId);
            var problem = ParticipantProblem(order, page);
            if (problem is null)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Order {order.OrderId} ({order.Status}): {problem}");
            await Task.Delay(500);
        }
    }

    /// <summary>What is wrong with the order's payment and shipment for its final state; null if nothing.</summary>
    public static string? ParticipantProblem(OrderView order, JsonElement page)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (page.GetProperty("degraded").GetArrayLength() > 0)
        {
            return "the BFF page is degraded: " + page.GetProperty("degraded");
        }

        var payment = page.GetProperty("payment");
        var shipment = page.GetProperty("shipment");
        var paymentStatus = payment.ValueKind == JsonValueKind.Object ? payment.GetProperty("status").GetString() : null;
        var shipmentStatus = shipment.ValueKind == JsonValueKind.Object ? shipment.GetProperty("status").GetString() : null;
        if (order.Status == "Confirmed")
        {
            if (paymentStatus != "Charged" || payment.GetProperty("amount").GetDecimal() != order.Total)
            {
                return $"a confirmed order's payment is {payment}, expected Charged {order.Total}";
            }

            return shipmentStatus == "Booked" ? null : $"a confirmed order's shipment is {shipment}, expected Booked";
        }

        if (paymentStatus is not (null or "Declined" or "Refunded"))
        {
            return $"a cancelled order's payment is still {paymentStatus}";
        }

        return shipmentStatus is null or "Cancelled" or "Unavailable" ? null : $"a cancelled order's shipment is still {shipmentStatus}";
    }

    private async Task HistoryMatchesAsync(string customer, List<OrderView> orders, DateTime deadline)
    {
        while (true)
        {
            var history = (await shop.AllPagesAsync("api/order-history", customer))
                .ToDictionary(h => h.GetProperty("orderId").GetString()!, h => h.GetProperty("status").GetString(), StringComparer.Ordinal);
            var wrong = orders.Where(o => history.GetValueOrDefault(o.OrderId) != o.Status).ToList();
            if (wrong.Count == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"Order history of {customer} disagrees on {wrong.Count} orders: {string.Join(", ", wrong.Take(3).Select(o => $"{o.OrderId} is {o.Status}, history says {history.GetValueOrDefault(o.OrderId) ?? "nothing"}"))}");
            await Task.Delay(500);
        }
    }

    private async Task NotificationsMatchAsync(string customer, List<OrderView> orders, DateTime deadline)
    {
        var ids = orders.Select(o => o.OrderId).ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            var byOrder = (await shop.AllPagesAsync("api/notifications", customer))
                .Select(n => (OrderId: n.GetProperty("orderId").GetString()!, Type: n.GetProperty("type").GetString()!))
                .Where(n => ids.Contains(n.OrderId))
                .ToLookup(n => n.OrderId, n => n.Type, StringComparer.Ordinal);
            foreach (var order in orders)
            {
                var types = byOrder[order.OrderId].ToList();
                Assert.True(types.Count == types.Distinct().Count(), $"Order {order.OrderId} has duplicate notifications: {string.Join(", ", types)}");
                // A cancelled order may have been confirmed first (a customer's cancel); a confirmed one was never cancelled.
                Assert.True(order.Status != "Confirmed" || !types.Contains("OrderCancelled"), $"Confirmed order {order.OrderId} was notified as cancelled.");
            }

            var missing = orders.Where(o => !byOrder[o.OrderId].Contains("OrderReceived") || !byOrder[o.OrderId].Contains("Order" + o.Status)).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"Notifications of {customer} miss {missing.Count} orders' received/final notice: {string.Join(", ", missing.Take(3).Select(o => $"{o.OrderId} ({o.Status}): [{string.Join(", ", byOrder[o.OrderId])}]"))}");
            await Task.Delay(500);
        }
    }
}

/// <summary>An order a scenario placed.</summary>
public sealed record Placed(string Customer, string OrderId, string Sku, int Quantity);

public static class ShopClientPaging
{
    /// <summary>Every item of a paged list, following <c>Link: rel="next"</c> (pages of 500).</summary>
    public static async Task<List<JsonElement>> AllPagesAsync(this ShopClient shop, string path, string user)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var all = new List<JsonElement>();
        string? url = path + "?limit=500";
        while (url is not null)
        {
            using var response = await shop.SendAsync(HttpMethod.Get, url, user);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            all.AddRange((await response.Content.ReadFromJsonAsync<List<JsonElement>>())!);
            var link = response.Headers.TryGetValues("Link", out var links) ? links.Single() : null;
            url = link is null ? null : link[1..link.IndexOf('>', StringComparison.Ordinal)].TrimStart('/');
        }

        return all;
    }
}
