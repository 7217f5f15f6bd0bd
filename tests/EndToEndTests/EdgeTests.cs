using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.EndToEndTests;

/// <summary>What the edge must refuse, and how: problem details, the right status, nothing changed.</summary>
[Collection("system")]
public sealed class EdgeTests(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task Health_IsHealthy_AndListsEveryService()
    {
        using var response = await _shop.Http.GetAsync("health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var services = body.GetProperty("services").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["identity", "inventory", "mobile-bff", "notifications", "order-history", "orders", "payments", "shipping", "web-bff"], services);
    }

    [Theory]
    [InlineData("""{"shippingAddress":{"line1":"a","city":"b","postalCode":"c","country":"KR"}}""", "items")]
    [InlineData("""{"items":[{"sku":"X-1","quantity":0}],"shippingAddress":{"line1":"a","city":"b","postalCode":"c","country":"KR"}}""", "items[0].quantity")]
    [InlineData("""{"items":[{"sku":"X-1","quantity":1001}],"shippingAddress":{"line1":"a","city":"b","postalCode":"c","country":"KR"}}""", "items[0].quantity")]
    [InlineData("""{"items":[{"sku":"X-1","quantity":1}],"shippingAddress":{"line1":"a","city":"b","postalCode":"c","country":"Korea"}}""", "shippingAddress.country")]
    [InlineData("""{"items":[{"sku":"X-1","quantity":1}]}""", "shippingAddress.line1")]
    [InlineData("""{"items":[{"sku":"no-such-sku","quantity":1}],"shippingAddress":{"line1":"a","city":"b","postalCode":"c","country":"KR"}}""", "items[0].sku")]
    public async Task InvalidOrder_Is400ProblemWithFieldErrors_AndCreatesNothing(string body, string field)
    {
        await _shop.PutStockAsync("X-1", 10, 1m);
        var before = (await _shop.OrdersAsync("bob")).Count;

        using var response = await _shop.SendAsync(HttpMethod.Post, "api/orders", "bob", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors has no '{field}': {problem}");
        Assert.Equal(before, (await _shop.OrdersAsync("bob")).Count);
    }

    [Fact]
    public async Task MalformedJson_Is400Problem()
    {
        using var response = await _shop.SendAsync(HttpMethod.Post, "api/orders", "bob", new StringContent("{\"items\": [", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task BodyOver64KiB_Is413Problem_AndCreatesNothing()
    {
        var before = (await _shop.OrdersAsync("bob")).Count;
        var huge = "{\"items\":[],\"pad\":\"" + new string('x', 70 * 1024) + "\"}";

        using var response = await _shop.SendAsync(HttpMethod.Post, "api/orders", "bob", new StringContent(huge, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, (await _shop.OrdersAsync("bob")).Count);
    }

    [Fact]
    public async Task NoToken_Is401Problem()
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, "api/orders", user: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ForgedToken_SignedWithAnotherKey_Is401()
    {
        using var rsa = RSA.Create(2048);
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "serverless-shop",
            Audience = "serverless-shop-api",
            Expires = DateTime.UtcNow.AddHours(1),
            Subject = new ClaimsIdentity([new Claim("sub", "alice"), new Claim("role", "admin")]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "attacker" }, SecurityAlgorithms.RsaSha256),
        });

        using var response = await _shop.SendAsync(HttpMethod.Get, "api/orders", user: null, configure: r => r.Headers.Authorization = new("Bearer", forged));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AnotherCustomersOrder_Is404_NotForbidden()
    {
        var sku = SystemFixture.NewSku("mine");
        await _shop.PutStockAsync(sku, 5, 1m);
        var orderId = await _shop.PlaceAsync("alice", ShopClient.Order(sku, 1));

        using var read = await _shop.SendAsync(HttpMethod.Get, $"api/orders/{orderId}", "bob");
        using var events = await _shop.SendAsync(HttpMethod.Get, $"api/orders/{orderId}/events", "bob");
        using var cancel = await _shop.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/cancel", "bob");

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.DoesNotContain(await _shop.OrdersAsync("bob"), o => o.OrderId == orderId);
    }

    [Fact]
    public async Task CustomerCannotSetStock_403()
    {
        using var response = await _shop.SendAsync(HttpMethod.Put, "api/inventory/X-1", "alice", new { available = 999, price = 1 });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.NotEqual(999, (await _shop.StockAsync("X-1")).Available);
    }

    [Fact]
    public async Task WrongPassword_Is401_AndMalformedLogin_Is400()
    {
        using var wrong = await _shop.Http.PostAsJsonAsync("auth/token", new { username = "alice", password = "nope" });
        using var malformed = await _shop.Http.PostAsync("auth/token", new StringContent("not json", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task CorrelationId_IsEchoed_OrCreated()
    {
        using var echoed = await _shop.SendAsync(HttpMethod.Get, "api/orders", "alice", configure: r => r.Headers.Add("x-correlation-id", "test-corr-42"));
        using var created = await _shop.SendAsync(HttpMethod.Get, "api/orders", "alice");

        Assert.Equal("test-corr-42", echoed.Headers.GetValues("x-correlation-id").Single());
        Assert.False(string.IsNullOrEmpty(created.Headers.GetValues("x-correlation-id").Single()));
    }
}
