using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>Paged lists through the gateway (API.md, "Lists are paged"): the Link header reaches the client and its URL works there.</summary>
[Collection("system")]
public sealed class PagingTests(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Theory]
    [InlineData("api/orders")]
    [InlineData("bff/mobile/orders")]
    public async Task Orders_WalkedPageByPage_ThroughTheGatewaysLink_AreTheUnpagedList(string path)
    {
        // Given alice has at least 3 orders
        var sku = SystemFixture.NewSku("paging");
        await _shop.PutStockAsync(sku, 10, 1m);
        var placed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            placed.Add(await _shop.PlaceAsync("alice", ShopClient.Order(sku, 1)));
        }

        // Their sagas end before the walk, so no later test of this collection sees them charge alice's wallet.
        foreach (var orderId in placed)
        {
            await _shop.FinalAsync("alice", orderId);
        }

        var all = await IdsAsync(path + "?limit=500");
        Assert.True(all.Ids.Count >= 3);
        Assert.Null(all.Next);

        // When walked 2 at a time by following Link
        var walked = new List<string>();
        string? url = path + "?limit=2";
        while (url is not null)
        {
            var page = await IdsAsync(url);
            Assert.InRange(page.Ids.Count, 1, 2);
            walked.AddRange(page.Ids);
            url = page.Next;
            if (url is not null)
            {
                Assert.StartsWith("/" + path + "?", url, StringComparison.Ordinal); // the public path, as the gateway serves it
            }
        }

        // Then every order once, in the same order
        Assert.Equal(all.Ids, walked);
    }

    [Theory]
    [InlineData("api/orders?limit=0")]
    [InlineData("api/orders?limit=501")]
    [InlineData("api/orders?limit=abc")]
    public async Task ABadLimit_IsA400_WithAnErrorsLimitEntry(string url)
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, url, "alice");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _));
    }

    private async Task<(List<string> Ids, string? Next)> IdsAsync(string url)
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, url, "alice");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ids = (await response.Content.ReadFromJsonAsync<List<JsonElement>>())!.Select(o => o.GetProperty("orderId").GetString()!).ToList();
        var next = response.Headers.TryGetValues("Link", out var links) ? links.Single() : null;
        return (ids, next is null ? null : next[1..next.IndexOf('>', StringComparison.Ordinal)]);
    }
}
