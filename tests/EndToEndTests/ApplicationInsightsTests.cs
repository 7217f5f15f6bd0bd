using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>
/// Telemetry as Application Insights receives it: the system runs with APPLICATIONINSIGHTS_CONNECTION_STRING pointing
/// at a local ingestion endpoint, so every app exports through the same OpenTelemetry pipeline and Azure Monitor
/// exporter it uses in Azure.
/// </summary>
public sealed class ApplicationInsightsTests : IAsyncLifetime
{
    private static readonly string[] Roles = ["gateway", "orders", "inventory", "payments", "shipping"];
    private readonly IngestionListener _ingestion = new();
    private AppHostProcess _host = null!;
    private ShopClient _shop = null!;

    public async Task InitializeAsync()
    {
        _host = await AppHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = _ingestion.ConnectionString,
            ["APPLICATIONINSIGHTS_STATSBEAT_DISABLED"] = "true",
            // Export every half second (traces, logs) and every second (metrics) rather than every 5 s and 60 s.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "500",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        });
        _shop = new ShopClient(_host.Gateway);
    }

    public async Task DisposeAsync()
    {
        _shop.Dispose();
        await _host.DisposeAsync();
        _ingestion.Dispose();
    }

    [Fact]
    public async Task OneOrder_ArrivesAsOneOperation_AcrossTheApps_WithItsLogs_AndMetricsArrive()
    {
        // Given a client that starts its own trace
        var sku = SystemFixture.NewSku("appinsights");
        await _shop.PutStockAsync(sku, 5, 2m);
        await _shop.SetBalanceAsync("alice", 100m);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var clientSpan = ActivitySpanId.CreateRandom().ToHexString();

        // When it places an order through the gateway and the saga confirms it
        var placedAt = Stopwatch.StartNew();
        using var placed = await _shop.SendAsync(HttpMethod.Post, "api/orders", "alice", ShopClient.Order(sku, 1),
            r => r.Headers.Add("traceparent", $"00-{traceId}-{clientSpan}-01"));
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var orderId = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetString()!;
        Assert.Equal("Confirmed", (await _shop.FinalAsync("alice", orderId)).Status);

        // Then Application Insights receives the order's spans from every app on its path, as one operation (the trace id),
        // each under its app's cloud role, the saga's orchestration and steps included
        List<JsonElement> operation = [];
        await Poll.UntilAsync(() =>
        {
            operation = [.. _ingestion.Envelopes.Where(e => Tag(e, "ai.operation.id") == traceId)];
            var spans = operation.Where(e => BaseType(e) is "RequestData" or "RemoteDependencyData").ToList();
            return Task.FromResult(Roles.All(role => spans.Any(s => Tag(s, "ai.cloud.role") == role))
                && spans.Any(s => Tag(s, "ai.cloud.role") == "orders" && Name(s).StartsWith("orchestration", StringComparison.Ordinal))
                && spans.Any(s => Tag(s, "ai.cloud.role") == "orders" && Name(s) == "saga ChargePayment")
                && operation.Any(e => BaseType(e) == "MessageData" && Message(e).Contains($"Order {orderId} confirmed", StringComparison.Ordinal)));
        }, $"The order's operation {traceId} is incomplete in Application Insights; roles so far: " +
           string.Join(", ", operation.Select(e => $"{Tag(e, "ai.cloud.role")}:{BaseType(e)}:{Name(e)}").Distinct()));
        var arrivedAfter = placedAt.Elapsed;

        // And it enters at the gateway, as a request under the client's span
        var entry = Assert.Single(operation, e => BaseType(e) == "RequestData" && Tag(e, "ai.operation.parentId") == clientSpan);
        Assert.Equal("gateway", Tag(entry, "ai.cloud.role"));

        // And the request orders served carries its log lines in the same operation
        Assert.Contains(operation, e => BaseType(e) == "MessageData" && Tag(e, "ai.cloud.role") == "orders" && Message(e).Contains($"Order {orderId} placed", StringComparison.Ordinal));

        // And metrics arrive, per app (HTTP server durations at least)
        await Poll.UntilAsync(() => Task.FromResult(
                Roles.All(role => _ingestion.Envelopes.Any(e => BaseType(e) == "MetricData" && Tag(e, "ai.cloud.role") == role))),
            "No metrics from every app: " + string.Join(", ", _ingestion.Envelopes.Where(e => BaseType(e) == "MetricData").Select(e => Tag(e, "ai.cloud.role")).Distinct()));

        Assert.True(arrivedAfter < TimeSpan.FromSeconds(30), $"The order's telemetry took {arrivedAfter.TotalSeconds:F1} s to arrive.");
        Console.WriteLine($"Order's operation complete in Application Insights {arrivedAfter.TotalSeconds:F1} s after it was placed; {_ingestion.Envelopes.Count} envelopes in all.");
    }

    private static string? Tag(JsonElement envelope, string name) =>
        envelope.TryGetProperty("tags", out var tags) && tags.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static string? BaseType(JsonElement envelope) =>
        envelope.TryGetProperty("data", out var data) && data.TryGetProperty("baseType", out var type) ? type.GetString() : null;

    private static string Name(JsonElement envelope) =>
        envelope.GetProperty("data").GetProperty("baseData").TryGetProperty("name", out var name) ? name.GetString() ?? "" : "";

    private static string Message(JsonElement envelope) =>
        envelope.GetProperty("data").GetProperty("baseData").TryGetProperty("message", out var message) ? message.GetString() ?? "" : "";
}
