using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.Reliability;

public sealed record OrderLineView(string Sku, int Quantity, decimal UnitPrice);

public sealed record OrderView(string OrderId, string CustomerId, string Status, List<OrderLineView> Items, decimal Total, string? CancellationReason);

public sealed record EventView(int Version, string Type, DateTimeOffset At, JsonElement Data);

public sealed record ItemView(string Sku, int Available, int Reserved, decimal Price);

/// <summary>A client of the public API, through the gateway only, as API.md describes it.</summary>
public sealed class ShopClient(Uri gateway) : IDisposable
{
    public static readonly string[] FinalStatuses = ["Confirmed", "Cancelled"];

    /// <summary>A SKU no other test uses.</summary>
    public static string NewSku(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private readonly HttpClient _http = new() { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
    private readonly Dictionary<string, string> _tokens = [];

    public HttpClient Http => _http;

    public async Task<string> TokenAsync(string user)
    {
        if (!_tokens.TryGetValue(user, out var token))
        {
            using var response = await _http.PostAsJsonAsync("auth/token", new { username = user, password = user + "-password" });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
            _tokens[user] = token;
        }

        return token;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? user, object? body = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(user));
        }

        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        }

        configure?.Invoke(request);
        return await _http.SendAsync(request);
    }

    /// <summary>A confirmed order of 2 units at 3.00 (total 6.00) of a new SKU, the customer's wallet set to 100.</summary>
    public async Task<string> ConfirmedOrderAsync(string user, string skuPrefix)
    {
        var sku = NewSku(skuPrefix);
        await PutStockAsync(sku, 5, 3m);
        await SetBalanceAsync(user, 100m);
        var orderId = await PlaceAsync(user, Order(sku, 2));
        Assert.Equal("Confirmed", (await FinalAsync(user, orderId)).Status);
        return orderId;
    }

    /// <summary>The web BFF's composed order page (must answer 200).</summary>
    public async Task<JsonElement> WebOrderPageAsync(string user, string orderId)
    {
        using var response = await SendAsync(HttpMethod.Get, $"bff/web/orders/{orderId}", user);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Local mode: switches a service's fault (<c>down</c>, <c>slow</c>, <c>none</c>), as an admin.</summary>
    public async Task SetFaultAsync(string service, string mode)
    {
        using var response = await SendAsync(HttpMethod.Put, $"ops/faults/{service}", "admin", new { mode });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Local mode: writes one key of the config store, as an admin.</summary>
    public async Task SetConfigAsync(string key, string value)
    {
        using var response = await SendAsync(HttpMethod.Put, $"ops/config/{key}", "admin", new { value });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public async Task<ItemView> PutStockAsync(string sku, int available, decimal price)
    {
        using var response = await SendAsync(HttpMethod.Put, $"api/inventory/{sku}", "admin", new { available, price });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ItemView>())!;
    }

    public async Task<ItemView> StockAsync(string sku)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/inventory/{sku}", "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ItemView>())!;
    }

    public async Task SetBalanceAsync(string customer, decimal balance)
    {
        using var response = await SendAsync(HttpMethod.Put, $"api/payments/accounts/{customer}", "admin", new { balance });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task<decimal> BalanceAsync(string customer)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/payments/accounts/{customer}", "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("balance").GetDecimal();
    }

    public static object Order(string sku, int quantity, string country = "KR") => new
    {
        items = new[] { new { sku, quantity } },
        shippingAddress = new { line1 = "1 Sejong-daero", city = "Seoul", postalCode = "04524", country },
    };

    /// <summary>Places an order and asserts the 202 contract; returns the order id.</summary>
    public async Task<string> PlaceAsync(string user, object order, string? idempotencyKey = null)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/orders", user, order,
            r => { if (idempotencyKey is not null) r.Headers.Add("Idempotency-Key", idempotencyKey); });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var orderId = body.GetProperty("orderId").GetString()!;
        Assert.Equal("Pending", body.GetProperty("status").GetString());
        Assert.Equal($"/api/orders/{orderId}", response.Headers.Location?.OriginalString);
        return orderId;
    }

    public async Task<OrderView> OrderAsync(string user, string orderId)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/orders/{orderId}", user);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<OrderView>())!;
    }

    public async Task<List<EventView>> EventsAsync(string user, string orderId)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/orders/{orderId}/events", user);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<EventView>>())!;
    }

    /// <summary>The customer's orders, newest first: one page of up to 500 (the list is paged; 100 by default).</summary>
    public async Task<List<OrderView>> OrdersAsync(string user)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/orders?limit=500", user);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<OrderView>>())!;
    }

    /// <summary>Polls until the order is Confirmed or Cancelled, or fails at the deadline.</summary>
    public async Task<OrderView> FinalAsync(string user, string orderId, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var order = await OrderAsync(user, orderId);
            if (FinalStatuses.Contains(order.Status))
            {
                return order;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Order {orderId} still {order.Status} at the deadline.");
            await Task.Delay(200);
        }
    }

    public void Dispose() => _http.Dispose();
}
