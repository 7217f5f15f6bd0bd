using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;

namespace Serverless.Inventory.ManagingStock;

public sealed record PutItemRequest(int? Available, decimal? Price);

public sealed record ItemResponse(string Sku, int Available, int Reserved, decimal Price)
{
    public static ItemResponse From(StockLevel level) => new(level.Sku, level.Available, level.Reserved, Money.FromCents(level.PriceCents));
}

public sealed class ItemFunctions(InventoryStore store, TokenValidator auth)
{
    [Function("PutItem")]
    public async Task<IActionResult> PutItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/inventory/{sku}")] HttpRequest request, string sku)
    {
        var (_, body, problem) = await auth.AuthorizeAndReadAsync<PutItemRequest>(request, Roles.Admin);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        if (!Skus.IsValid(sku))
        {
            errors["sku"] = [Skus.Rule];
        }

        if (body!.Available is not >= 0)
        {
            errors["available"] = ["available must be an integer >= 0."];
        }

        if (body.Price is not > 0 || !Money.IsValidAmount(body.Price.Value))
        {
            errors["price"] = ["price must be a number > 0 with at most 2 decimals."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var level = await store.UpsertAsync(sku, body.Available!.Value, Money.ToCents(body.Price!.Value));
        return new OkObjectResult(ItemResponse.From(level));
    }

    [Function("GetItem")]
    public async Task<IActionResult> GetItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/inventory/{sku}")] HttpRequest request, string sku)
    {
        var (_, denied) = await auth.AuthorizeAsync(request);
        if (denied is not null)
        {
            return denied;
        }

        var level = await store.GetAsync(sku);
        return level is null ? Problems.NotFound($"SKU '{sku}' is unknown.") : new OkObjectResult(ItemResponse.From(level));
    }
}
