using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Inventory.Domain;

namespace Serverless.Inventory.ManagingStock;

public sealed record PutItemRequest(int? Available, decimal? Price);

public sealed record ItemResponse(string Sku, int Available, int Reserved, decimal Price)
{
    public static ItemResponse From(StockItem item) => new(item.Sku, item.Available, item.Reserved, Money.FromCents(item.PriceCents));
}

public sealed class ItemFunctions(PutItemHandler put, GetItemHandler get, ListItemsHandler list, TokenValidator auth)
{
    [Function("ListItems")]
    public async Task<IActionResult> ListItems(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/inventory")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request);
        if (denied is not null)
        {
            return denied;
        }

        if (!Paging.TryRead(request, out var asked, out var invalid))
        {
            return invalid!;
        }

        var page = await list.HandleAsync(asked, request.HttpContext.RequestAborted);
        return Paging.Ok(request, asked, new Page<ItemResponse>([.. page.Items.Select(ItemResponse.From)], page.Next));
    }

    [Function("PutItem")]
    public async Task<IActionResult> PutItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/inventory/{sku}")] HttpRequest request, string sku)
    {
        var (_, body, problem) = await auth.AuthorizeAndReadAsync<PutItemRequest>(request, Roles.Admin);
        if (problem is not null)
        {
            return problem;
        }

        var (command, errors) = ManagingStock.PutItem.Create(sku, body!.Available, body.Price);
        return command is null ? Problems.Validation(errors) : new OkObjectResult(ItemResponse.From(await put.HandleAsync(command)));
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

        var item = await get.HandleAsync(sku);
        return item is null ? Problems.NotFound($"SKU '{sku}' is unknown.") : new OkObjectResult(ItemResponse.From(item));
    }
}
