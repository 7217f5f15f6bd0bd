using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.Orders.PlacingOrder;

public sealed record OrderAccepted(string OrderId, string Status);

public sealed class PlaceOrderFunction(IOrderEventStore store, InventoryClient inventory, SagaStarter sagas, TokenValidator auth, ILogger<PlaceOrderFunction> logger)
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Validates, prices from Inventory, appends <c>OrderPlaced</c> and starts the saga; answers 202 at once.</summary>
    [Function("PlaceOrder")]
    public async Task<IActionResult> PlaceOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request, Roles.Customer);
        if (denied is not null)
        {
            return denied;
        }

        var idempotencyKey = request.Headers[IdempotencyHeader].ToString();
        if (idempotencyKey.Length > 128)
        {
            return Problems.Validation(IdempotencyHeader, "The Idempotency-Key header holds at most 128 characters.");
        }

        if (idempotencyKey.Length > 0 && await store.FindByIdempotencyKeyAsync(caller!.Subject, idempotencyKey) is { } existing)
        {
            return await Accepted(existing);
        }

        var (body, problem) = await JsonBody.ReadAsync<PlaceOrderRequest>(request, request.HttpContext.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        var errors = body!.Validate();
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // Prices are the catalogue's, read server-side; a client's price is never taken.
        var lines = new List<OrderLine>();
        try
        {
            foreach (var (item, index) in body.Items!.Select((item, index) => (item!, index)))
            {
                var price = await inventory.PriceAsync(item.Sku!, request.HttpContext.RequestAborted);
                if (price is null)
                {
                    errors[$"items[{index}].sku"] = [$"SKU '{item.Sku}' is unknown."];
                    continue;
                }

                lines.Add(new OrderLine(item.Sku!, item.Quantity!.Value, price.Value));
            }
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "Inventory unavailable for pricing");
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Pricing unavailable", "The catalogue cannot be read right now; try again shortly.");
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var orderId = Guid.NewGuid().ToString();
        var address = body.Address();
        var total = lines.Sum(l => l.UnitPrice * l.Quantity);
        var start = sagas.ForOrder(orderId, caller!.Subject, lines, total, address.Country);
        try
        {
            await store.AppendAsync(orderId, 0, [new OrderPlaced(caller.Subject, lines, total, address)],
                (caller.Subject, idempotencyKey.Length > 0 ? idempotencyKey : null), start);
        }
        catch (DuplicateIdempotencyKeyException)
        {
            // The same key raced in from another request: answer with the order that one created.
            return await Accepted((await store.FindByIdempotencyKeyAsync(caller.Subject, idempotencyKey))!);
        }

        logger.LogInformation("Order {OrderId} placed by {CustomerId}, total {Total}", orderId, caller.Subject, total);
        try
        {
            await sagas.StartAsync(durable, start, request.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Recorded with the order: the saga starter picks it up. The order is accepted either way.
            logger.LogWarning(ex, "Saga start for order {OrderId} deferred", orderId);
        }

        return await Accepted(orderId);
    }

    private async Task<IActionResult> Accepted(string orderId)
    {
        var order = await store.LoadOrderAsync(orderId);
        return new AcceptedResult($"/api/orders/{orderId}", new OrderAccepted(orderId, order?.Status ?? OrderStatus.Pending));
    }
}
