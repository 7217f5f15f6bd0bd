using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>Distributed tracing: one order placed through the gateway is one trace, across HTTP, the saga and the events.</summary>
[Collection("system")]
public sealed class TracingTests(SystemFixture system)
{
    private static readonly string[] Components = ["gateway", "orders", "orders-saga", "inventory", "payments", "shipping", "order-history", "notifications"];
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task OneOrderThroughTheGateway_IsOneTrace_FromTheGatewayToTheEventConsumers()
    {
        // Given a client that starts its own trace
        var sku = SystemFixture.NewSku("trace");
        await _shop.PutStockAsync(sku, 5, 2m);
        await _shop.SetBalanceAsync("alice", 100m);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var clientSpan = ActivitySpanId.CreateRandom().ToHexString();

        // When it places an order and the saga completes
        using var placed = await _shop.SendAsync(HttpMethod.Post, "api/orders", "alice", ShopClient.Order(sku, 1),
            r => r.Headers.Add("traceparent", $"00-{traceId}-{clientSpan}-01"));
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var orderId = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetString()!;
        Assert.Equal("Confirmed", (await _shop.FinalAsync("alice", orderId)).Status);

        // Then that trace holds spans of every component, the event consumers included, and is complete (every parent recorded)
        var spans = await Until(traceId, s => Components.All(c => s.Any(span => Service(span) == c))
            && s.All(span => span.GetProperty("parentSpanId").GetString() is { } parent
                             && (parent == clientSpan || s.Any(other => other.GetProperty("spanId").GetString() == parent))));
        Assert.All(spans, span =>
        {
            Assert.Matches("^[0-9a-f]{16}$", span.GetProperty("spanId").GetString());
            Assert.True(span.GetProperty("durationMs").GetDouble() >= 0);
            Assert.False(string.IsNullOrEmpty(span.GetProperty("name").GetString()));
            Assert.True(span.GetProperty("start").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        });

        // And it is one tree under the client's span, entered at the gateway; the saga's steps sit under the orchestration
        Assert.Equal(["gateway"], spans.Where(span => span.GetProperty("parentSpanId").GetString() == clientSpan).Select(Service));
        var byId = spans.ToDictionary(s => s.GetProperty("spanId").GetString()!);
        var charge = spans.Single(s => s.GetProperty("name").GetString() == "saga ChargePayment");
        Assert.Contains(Ancestors(charge, byId), a => a.GetProperty("name").GetString()!.StartsWith("orchestration:", StringComparison.Ordinal));
        Assert.Contains(spans, s => Service(s) == "payments" && byId.TryGetValue(s.GetProperty("parentSpanId").GetString()!, out var parent)
                                    && Ancestors(parent, byId).Prepend(parent).Contains(charge));
    }

    [Fact]
    public async Task AResponseNamesItsTrace_WhichCanBeLookedUp()
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, "api/orders", "bob");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceparent = response.Headers.GetValues("traceparent").Single();
        var traceId = traceparent.Split('-')[1];

        var spans = await Until(traceId, s => s.Any(span => Service(span) == "orders"));

        Assert.Contains(spans, span => Service(span) == "gateway");
    }

    [Fact]
    public async Task Traces_AreForAdmins_AndTakeWellFormedIds()
    {
        using var customer = await _shop.SendAsync(HttpMethod.Get, $"ops/traces/{ActivityTraceId.CreateRandom().ToHexString()}", "alice");
        using var malformed = await _shop.SendAsync(HttpMethod.Get, "ops/traces/not-a-trace-id", "admin");
        using var zero = await _shop.SendAsync(HttpMethod.Get, $"ops/traces/{new string('0', 32)}", "admin");
        using var unknown = await _shop.SendAsync(HttpMethod.Get, $"ops/traces/{ActivityTraceId.CreateRandom().ToHexString()}", "admin");

        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Empty((await unknown.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
    }

    private static string? Service(JsonElement span) => span.GetProperty("service").GetString();

    private static IEnumerable<JsonElement> Ancestors(JsonElement span, Dictionary<string, JsonElement> byId)
    {
        while (byId.TryGetValue(span.GetProperty("parentSpanId").GetString() ?? "", out var parent))
        {
            yield return parent;
            span = parent;
        }
    }

    /// <summary>Reads the trace until <paramref name="complete"/> holds (spans arrive as work ends), or fails at the deadline.</summary>
    private async Task<List<JsonElement>> Until(string traceId, Func<List<JsonElement>, bool> complete)
    {
        List<JsonElement> spans = [];
        return await Poll.ForAsync(async () =>
        {
            using var response = await _shop.SendAsync(HttpMethod.Get, $"ops/traces/{traceId}", "admin");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            spans = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
            return complete(spans) ? spans : null;
        }, () => $"Trace {traceId} is incomplete; components so far: {string.Join(", ", spans.Select(Service).Distinct())}");
    }
}
