using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>
/// Centralized logs (API.md, Operations: <c>GET /ops/logs</c>): every component's structured lines in one place,
/// found by the correlation id a client sent, by order id or by trace id, paged, and free of secrets.
/// </summary>
[Collection("system")]
public sealed class CentralizedLogsTests(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task AnOrderPlacedWithACorrelationId_HasLinesFromTheGatewayTheSagaTheParticipantsAndTheConsumers()
    {
        // Given a client that sends its own correlation id
        var sku = SystemFixture.NewSku("logs");
        await _shop.PutStockAsync(sku, 5, 4m);
        await _shop.SetBalanceAsync("alice", 100m);
        var correlationId = "logs-" + Guid.NewGuid().ToString("N");

        // When it places an order that the saga confirms
        using var placed = await _shop.SendAsync(HttpMethod.Post, "api/orders", "alice", ShopClient.Order(sku, 1),
            r => r.Headers.Add("x-correlation-id", correlationId));
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var orderId = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetString()!;
        Assert.Equal("Confirmed", (await _shop.FinalAsync("alice", orderId)).Status);

        // Then its lines come from the gateway, orders, the saga, every participant and the notifications consumer, all with that id
        string[] expected = ["gateway", "orders", "orders-saga", "inventory", "payments", "shipping", "notifications"];
        var seen = new List<LogLine>();
        var lines = await Poll.ForAsync(async () =>
        {
            seen = await LinesAsync($"ops/logs?correlationId={correlationId}&limit=500");
            return expected.All(service => seen.Any(l => l.Service == service)) ? seen : null;
        }, () => $"services seen: {string.Join(", ", seen.Select(l => l.Service).Distinct())}");
        Assert.All(lines, l => Assert.Equal(correlationId, l.CorrelationId));
        Assert.Contains(lines, l => l.Service == "gateway" && l.Message.StartsWith("POST /api/orders answered 202", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Service == "orders-saga" && l.Message == $"Order {orderId} confirmed" && l.OrderId == orderId);
        Assert.Contains(lines, l => l.Service == "payments" && l.Message.Contains($"for order {orderId} charged to alice", StringComparison.Ordinal));
        Assert.Equal(lines.OrderBy(l => l.At), lines); // oldest first
        Assert.All(lines, l => Assert.Matches("^[0-9a-f]{32}$", l.TraceId!));

        // And the order id finds the same lines (the gateway's too, through the trace), and the trace id a subset of them
        var byOrder = await LinesAsync($"ops/logs?orderId={orderId}&limit=500");
        Assert.Superset(lines.Where(l => l.Service != "gateway" || l.Message.StartsWith("POST", StringComparison.Ordinal)).Select(l => l.Message).ToHashSet(),
            byOrder.Where(l => l.CorrelationId == correlationId).Select(l => l.Message).ToHashSet());
        Assert.Contains(byOrder, l => l.Service == "gateway" && l.OrderId == orderId);
        var traceId = lines.First(l => l.Service == "gateway").TraceId!;
        var byTrace = await LinesAsync($"ops/logs?traceId={traceId}&limit=500");
        Assert.NotEmpty(byTrace);
        Assert.All(byTrace, l => Assert.Equal(traceId, l.TraceId));
    }

    [Fact]
    public async Task Pages_FollowTheLinkHeader_WithoutRepeatOrGap()
    {
        // Given one correlation id on 7 requests
        var correlationId = "pages-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < 7; i++)
        {
            using var response = await _shop.SendAsync(HttpMethod.Get, "api/orders?limit=1", "bob", configure: r => r.Headers.Add("x-correlation-id", correlationId));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var all = await Poll.ForAsync(async () => await LinesAsync($"ops/logs?correlationId={correlationId}") is { Count: >= 7 } found ? found : null, "7 gateway lines");

        // When reading them 3 at a time
        var paged = new List<LogLine>();
        var next = $"ops/logs?correlationId={correlationId}&limit=3";
        var pages = 0;
        while (next is not null)
        {
            using var response = await _shop.SendAsync(HttpMethod.Get, next, "admin");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = (await response.Content.ReadFromJsonAsync<List<LogLine>>(JsonBody))!;
            Assert.InRange(page.Count, 1, 3);
            paged.AddRange(page);
            next = response.Headers.TryGetValues("Link", out var links) ? links.Single().Split(';')[0].Trim('<', '>').TrimStart('/') : null;
            pages++;
        }

        // Then the pages hold exactly the lines of the single read, in order
        Assert.Equal(all.Select(l => (l.At, l.Message)), paged.Take(all.Count).Select(l => (l.At, l.Message)));
        Assert.Equal((paged.Count + 2) / 3, pages);
    }

    [Theory]
    [InlineData("ops/logs", "correlationId")]
    [InlineData("ops/logs?traceId=nothex", "traceId")]
    [InlineData("ops/logs?traceId=00000000000000000000000000000000", "traceId")]
    [InlineData("ops/logs?orderId=x&limit=0", "limit")]
    [InlineData("ops/logs?orderId=x&limit=501", "limit")]
    [InlineData("ops/logs?orderId=x&cursor=bm90LWEtbnVtYmVy", "cursor")]
    public async Task BadQueries_Get400WithTheField(string path, string field)
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, path, "admin");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Customers_Get403_AndAnonymousCallers401()
    {
        using var customer = await _shop.SendAsync(HttpMethod.Get, "ops/logs?orderId=x", "alice");
        using var anonymous = await _shop.SendAsync(HttpMethod.Get, "ops/logs?orderId=x", null);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized), (customer.StatusCode, anonymous.StatusCode));
    }

    [Fact]
    public async Task NoLineHoldsASecret_AfterSignInsTokensAndFailures()
    {
        // Given sign-ins (one with a wrong password that is another user's), calls with tokens, and a forged token
        var correlationId = "secrets-" + Guid.NewGuid().ToString("N");
        using (var wrong = await _shop.Http.PostAsJsonAsync("auth/token", new { username = "alice", password = "bob-password" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var token = await _shop.TokenAsync("alice");
        using (var forged = await _shop.SendAsync(HttpMethod.Get, "api/orders", null, configure: r =>
        {
            r.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token + "x");
            r.Headers.Add("x-correlation-id", correlationId);
        }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        await Poll.ForAsync(async () => await LinesAsync($"ops/logs?correlationId={correlationId}") is { Count: > 0 } found ? found : null, "the forged call's gateway line");

        // Then the aggregated log file holds none of the system's secrets and nothing shaped like a token
        var log = await Secrets.ReadSharedAsync(system.Host.AggregatedLogFile);
        Assert.Contains(correlationId, log, StringComparison.Ordinal);
        var leaks = (await Secrets.OfAsync(system.Host, [token, await _shop.TokenAsync("admin")])).Where(s => log.Contains(s.Value, StringComparison.Ordinal)).Select(s => s.Name).ToList();
        Assert.Empty(leaks);
        Assert.DoesNotMatch(Secrets.TokenShape(), log);
    }

    private async Task<List<LogLine>> LinesAsync(string path)
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, path, "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<LogLine>>(JsonBody))!;
    }

    private static readonly JsonSerializerOptions JsonBody = new(JsonSerializerDefaults.Web);

    private sealed record LogLine(DateTimeOffset At, string Level, string Service, string Message, string? CorrelationId, string? TraceId, string? OrderId);
}
