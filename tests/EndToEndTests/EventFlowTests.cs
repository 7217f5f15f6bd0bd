using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>The query side and the consumers catch up on their own, through the outbox, change feed and bus.</summary>
[Collection("system")]
public sealed class EventFlowTests(SystemFixture system) : EventFlowScenarios(system);

/// <summary>The same scenarios with every store on Cosmos DB (the local Cosmos server): <c>Storage:Provider=cosmos</c>.</summary>
[Collection("system-cosmos")]
public sealed class CosmosEventFlowTests(CosmosSystemFixture system) : EventFlowScenarios(system);

public abstract class EventFlowScenarios(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    /// <summary>
    /// The integration events saved for an order, oldest first, where the relay and the history read them: the
    /// orders service's HTTP feed (SQLite mode), or the orders container's commit documents (Cosmos mode serves no HTTP feed).
    /// </summary>
    private async Task<IReadOnlyList<JsonElement>> OrderEventEnvelopesAsync(string orderId)
    {
        if (system.Host.Storage != "cosmos")
        {
            return (await Json("api/orders/feed?after=0&max=1000", "admin")).EnumerateArray()
                .Select(e => e.GetProperty("event")).Where(e => e.GetProperty("subject").GetString() == orderId).ToList();
        }

        using var client = new Microsoft.Azure.Cosmos.CosmosClient(system.Host.CosmosEndpoint, system.Host.CosmosKey,
            new Microsoft.Azure.Cosmos.CosmosClientOptions { ConnectionMode = Microsoft.Azure.Cosmos.ConnectionMode.Gateway, LimitToEndpoint = true });
        var query = new Microsoft.Azure.Cosmos.QueryDefinition("SELECT c.events FROM c WHERE c.streamId = @id ORDER BY c.fromVersion").WithParameter("@id", orderId);
        using var iterator = client.GetContainer("orders", "orders").GetItemQueryStreamIterator(query,
            requestOptions: new Microsoft.Azure.Cosmos.QueryRequestOptions { PartitionKey = new Microsoft.Azure.Cosmos.PartitionKey(orderId) });
        var envelopes = new List<JsonElement>();
        while (iterator.HasMoreResults)
        {
            using var page = await iterator.ReadNextAsync();
            using var json = await JsonDocument.ParseAsync(page.Content);
            envelopes.AddRange(json.RootElement.GetProperty("Documents").EnumerateArray().SelectMany(d => d.GetProperty("events").EnumerateArray()).Select(e => e.Clone()));
        }

        return envelopes;
    }

    [Fact]
    public async Task ConfirmedOrder_AppearsInHistoryWithItsTimeline_AndNotifiesReceivedAndConfirmed_Once()
    {
        var sku = SystemFixture.NewSku("story");
        await _shop.PutStockAsync(sku, 5, 9.99m);
        await _shop.SetBalanceAsync("bob", 100m);

        var orderId = await _shop.PlaceAsync("bob", ShopClient.Order(sku, 2));
        Assert.Equal("Confirmed", (await _shop.FinalAsync("bob", orderId)).Status);

        var history = await Eventually(async () =>
        {
            var entry = (await Json("api/order-history", "bob")).EnumerateArray().FirstOrDefault(o => o.GetProperty("orderId").GetString() == orderId);
            return entry.ValueKind != JsonValueKind.Undefined && entry.GetProperty("status").GetString() == "Confirmed" &&
                   entry.GetProperty("timeline").GetArrayLength() == 5 ? entry : (JsonElement?)null;
        });
        Assert.Equal(19.98m, history.GetProperty("total").GetDecimal());
        Assert.Equal(
            ["OrderPlaced", "StockReserved", "PaymentCharged", "ShipmentBooked", "OrderConfirmed"],
            history.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("type").GetString()));

        var notifications = await Eventually(async () =>
        {
            var mine = (await Json("api/notifications", "bob")).EnumerateArray().Where(n => n.GetProperty("orderId").GetString() == orderId).ToList();
            return mine.Count >= 2 ? mine : null;
        });
        Assert.Equal(["OrderConfirmed", "OrderReceived"], notifications.Select(n => n.GetProperty("type").GetString()).Order());

        // Nobody else sees them
        Assert.DoesNotContain((await Json("api/order-history", "alice")).EnumerateArray(), o => o.GetProperty("orderId").GetString() == orderId);
        Assert.DoesNotContain((await Json("api/notifications", "alice")).EnumerateArray(), n => n.GetProperty("orderId").GetString() == orderId);
    }

    [Fact]
    public async Task CancelledOrder_ShowsCancelledInHistory_AndOneCancellationNotice()
    {
        var sku = SystemFixture.NewSku("nope");
        await _shop.PutStockAsync(sku, 0, 1m);

        var orderId = await _shop.PlaceAsync("bob", ShopClient.Order(sku, 1));
        Assert.Equal("Cancelled", (await _shop.FinalAsync("bob", orderId)).Status);

        await Eventually(async () =>
            (await Json("api/order-history", "bob")).EnumerateArray().Any(o => o.GetProperty("orderId").GetString() == orderId && o.GetProperty("status").GetString() == "Cancelled")
                ? "seen" : null);
        var notices = await Eventually(async () =>
        {
            var mine = (await Json("api/notifications", "bob")).EnumerateArray().Where(n => n.GetProperty("orderId").GetString() == orderId).ToList();
            return mine.Any(n => n.GetProperty("type").GetString() == "OrderCancelled") ? mine : null;
        });
        Assert.Single(notices, n => n.GetProperty("type").GetString() == "OrderCancelled");
        Assert.DoesNotContain(notices, n => n.GetProperty("type").GetString() == "OrderConfirmed");
    }

    [Fact]
    public async Task HistoryRebuild_FromTheSourcesFeeds_EqualsTheLiveModel()
    {
        var sku = SystemFixture.NewSku("replay");
        await _shop.PutStockAsync(sku, 3, 2m);
        await _shop.SetBalanceAsync("alice", 100m);
        var ids = new[] { await _shop.PlaceAsync("alice", ShopClient.Order(sku, 1)), await _shop.PlaceAsync("alice", ShopClient.Order(sku, 5)) };
        foreach (var id in ids)
        {
            await _shop.FinalAsync("alice", id);
        }

        // Wait until the live model has caught up with both orders' final states
        await Eventually(async () =>
        {
            var live = (await Json("api/order-history", "alice")).EnumerateArray().ToList();
            return ids.All(id => live.Any(o => o.GetProperty("orderId").GetString() == id && o.GetProperty("status").GetString() != "Pending")) ? "caught up" : null;
        });
        var before = (await Json("api/order-history", "alice")).GetRawText();

        using var rebuild = await _shop.SendAsync(HttpMethod.Post, "api/order-history/rebuild?swap=true", "admin");
        Assert.Equal(HttpStatusCode.OK, rebuild.StatusCode);
        var result = await rebuild.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(result.GetProperty("matchesLive").GetBoolean(), result.ToString());
        Assert.True(result.GetProperty("events").GetInt32() > 0);
        Assert.Equal(before, (await Json("api/order-history", "alice")).GetRawText());
    }

    [Fact]
    public async Task EveryOrderEvent_CarriesIdsAndTheCallersTraceContext()
    {
        var sku = SystemFixture.NewSku("trace");
        await _shop.PutStockAsync(sku, 5, 1m);
        await _shop.SetBalanceAsync("alice", 10m);
        var traceId = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();

        using var placed = await _shop.SendAsync(HttpMethod.Post, "api/orders", "alice", ShopClient.Order(sku, 1),
            r => r.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01"));
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var orderId = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("orderId").GetString()!;
        await _shop.FinalAsync("alice", orderId);

        var feed = await OrderEventEnvelopesAsync(orderId);
        Assert.Equal("OrderPlaced", feed[0].GetProperty("type").GetString());
        Assert.All(feed, e =>
        {
            Assert.False(string.IsNullOrEmpty(e.GetProperty("messageId").GetString()));
            Assert.Equal(orderId, e.GetProperty("correlationId").GetString());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("traceParent").GetString()));
        });
        Assert.Contains(traceId, feed[0].GetProperty("traceParent").GetString(), StringComparison.Ordinal);
        Assert.Equal(feed[0].GetProperty("messageId").GetString(), feed[1].GetProperty("causationId").GetString());
    }

    [Fact]
    public async Task DeadLetters_AreForAdminsOnly()
    {
        using var asCustomer = await _shop.SendAsync(HttpMethod.Get, "ops/dead-letters", "alice");
        using var asAdmin = await _shop.SendAsync(HttpMethod.Get, "ops/dead-letters", "admin");

        Assert.Equal(HttpStatusCode.Forbidden, asCustomer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Equal(JsonValueKind.Array, (await asAdmin.Content.ReadFromJsonAsync<JsonElement>()).ValueKind);
    }

    private async Task<JsonElement> Json(string path, string user)
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, path, user);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<T> Eventually<T>(Func<Task<T?>> probe)
        where T : class => Poll.ForAsync(probe, "Not seen before the deadline.");

    private static Task<JsonElement> Eventually(Func<Task<JsonElement?>> probe) => Poll.ForAsync(probe, "Not seen before the deadline.");
}
