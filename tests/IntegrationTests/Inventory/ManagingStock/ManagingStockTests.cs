using System.Net;
using System.Net.Http.Json;

namespace Serverless.IntegrationTests.Inventory.ManagingStock;

[Collection(ServicesCollection.Name)]
public sealed class ManagingStockTests(ServicesFixture services)
{
    [Fact]
    public async Task PutItem_AsAdmin_StoresStockAndPrice()
    {
        // Given an admin and a new SKU
        var sku = ServicesFixture.NewId("put");
        using var admin = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("admin"));

        // When the admin sets its stock and price
        using var response = await admin.PutAsJsonAsync($"api/inventory/{sku}", new { available = 12, price = 19.99m });

        // Then the answer is the item, and reading it back gives the same
        var expected = new ItemView(sku, 12, 0, 19.99m);
        Assert.Equal(expected, await response.ReadOkAsync<ItemView>());
        using var alice = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("alice"));
        using var read = await alice.GetAsync($"api/inventory/{sku}");
        Assert.Equal(expected, await read.ReadOkAsync<ItemView>());
    }

    [Fact]
    public async Task PutItem_Again_ReplacesStockAndPrice()
    {
        // Given an item
        var sku = ServicesFixture.NewId("put");
        await services.PutStockAsync(sku, 3, 1.00m);

        // When the admin puts it again
        var updated = await services.PutStockAsync(sku, 8, 4.25m);

        // Then the new values stand
        Assert.Equal(new ItemView(sku, 8, 0, 4.25m), updated);
        Assert.Equal(updated, await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task PutItem_AsCustomer_Is403_AndStoresNothing()
    {
        // Given a customer and a new SKU
        var sku = ServicesFixture.NewId("put");
        using var alice = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("alice"));

        // When the customer tries to set its stock
        using var response = await alice.PutAsJsonAsync($"api/inventory/{sku}", new { available = 5, price = 1.00m });

        // Then the answer is 403 and the SKU is still unknown
        await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        using var read = await alice.GetAsync($"api/inventory/{sku}");
        await read.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListItems_PagesTheCatalogue_InSkuOrder_FollowingTheLinkHeader_WithoutRepeatsOrGaps()
    {
        // Given three stocked SKUs (among whatever other tests stocked)
        var prefix = ServicesFixture.NewId("list");
        foreach (var (suffix, price) in new[] { ("b", 2.00m), ("a", 1.00m), ("c", 3.00m) })
        {
            await services.PutStockAsync($"{prefix}-{suffix}", 5, price);
        }

        using var alice = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("alice"));

        // When a customer reads the whole list two at a time, following each Link rel="next"
        var all = new List<ItemView>();
        var pages = 0;
        for (var next = "api/inventory?limit=2"; next is not null; pages++)
        {
            using var response = await alice.GetAsync(new Uri(alice.BaseAddress!, next));
            var page = await response.ReadOkAsync<List<ItemView>>();
            Assert.InRange(page.Count, 1, 2);
            all.AddRange(page);
            next = response.Headers.TryGetValues("Link", out var links)
                ? System.Text.RegularExpressions.Regex.Match(string.Join(",", links), "<([^>]+)>; rel=\"next\"").Groups[1].Value
                : null;
        }

        // Then every SKU comes once, in ordinal order, ours with their stock and price
        Assert.True(pages >= 2);
        Assert.Equal(all.Select(i => i.Sku).Order(StringComparer.Ordinal).Distinct(), all.Select(i => i.Sku));
        Assert.Equal(
            [new ItemView($"{prefix}-a", 5, 0, 1.00m), new ItemView($"{prefix}-b", 5, 0, 2.00m), new ItemView($"{prefix}-c", 5, 0, 3.00m)],
            all.Where(i => i.Sku.StartsWith(prefix, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("api/inventory?limit=0")]
    [InlineData("api/inventory?limit=501")]
    [InlineData("api/inventory?cursor=%25%25")]
    public async Task ListItems_WithABadLimitOrCursor_Is400(string path)
    {
        using var alice = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("alice"));

        using var response = await alice.GetAsync(new Uri(alice.BaseAddress!, path));

        await response.ReadProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ListItems_WithoutAToken_Is401()
    {
        using var anonymous = services.ClientFor(ServicesFixture.Inventory, token: null);

        using var response = await anonymous.GetAsync(new Uri(anonymous.BaseAddress!, "api/inventory"));

        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task GetItem_UnknownSku_Is404Problem()
    {
        // Given a SKU nobody stocked
        using var alice = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("alice"));

        // When it is read
        using var response = await alice.GetAsync($"api/inventory/{ServicesFixture.NewId("unknown")}");

        // Then the answer is a 404 problem
        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"available":-1,"price":2.50}""", "available")]
    [InlineData("""{"price":2.50}""", "available")]
    [InlineData("""{"available":1.5,"price":2.50}""", "available")]
    [InlineData("""{"available":5,"price":0}""", "price")]
    [InlineData("""{"available":5,"price":-1}""", "price")]
    [InlineData("""{"available":5,"price":2.505}""", "price")]
    [InlineData("""{"available":5}""", "price")]
    public async Task PutItem_WithInvalidField_Is400KeyedByThatField_AndLeavesStockUnchanged(string body, string field)
    {
        // Given an item with stock 4 at 3.00
        var sku = ServicesFixture.NewId("valid");
        var before = await services.PutStockAsync(sku, 4, 3.00m);
        using var admin = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("admin"));

        // When the admin puts a body with one invalid field
        using var response = await admin.PutAsync($"api/inventory/{sku}", Http.Json(body));

        // Then the answer is a validation problem naming that field, and the item is unchanged
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.Equal([field], errors);
        Assert.Equal(before, await services.GetStockAsync(sku));
    }

    [Theory]
    [InlineData("100000000000000000")]
    [InlineData("1e27")]
    public async Task PutItem_WithPriceBeyondTheCentsRange_Is400KeyedByPrice_AndLeavesStockUnchanged(string price)
    {
        // Given an item with stock 4 at 3.00
        var sku = ServicesFixture.NewId("valid");
        var before = await services.PutStockAsync(sku, 4, 3.00m);
        using var admin = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("admin"));

        // When the admin puts a price too large to be held as cents
        using var response = await admin.PutAsync($"api/inventory/{sku}", Http.Json($$"""{"available":4,"price":{{price}}}"""));

        // Then the answer is a validation problem naming the price (not a 500), and the item is unchanged
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("price", out _));
        Assert.Equal(before, await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task PutItem_WithInvalidSku_Is400KeyedBySku()
    {
        // Given an admin
        using var admin = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("admin"));

        // When a SKU with characters outside the rule is stocked
        using var response = await admin.PutAsJsonAsync("api/inventory/bad%20sku!", new { available = 1, price = 1.00m });

        // Then the answer is a validation problem naming the sku
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("sku", out _));
    }
}
