using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Saga;

namespace Serverless.Orders.PlacingOrder;

public sealed class PlaceOrderFunction(PlaceOrderHandler handler, SagaStartQueue sagas, TokenValidator auth)
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Validates, prices from Inventory, appends <c>OrderPlaced</c> with its saga start, queues the start (<see cref="SagaStartQueue"/>) and answers 202 at once.</summary>
    [Function("PlaceOrder")]
    public async Task<IActionResult> Place(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request, Roles.Customer);
        if (denied is not null)
        {
            return denied;
        }

        var key = request.Headers[IdempotencyHeader].ToString();
        if (!PlaceOrder.IsValidIdempotencyKey(key))
        {
            return Problems.Validation(IdempotencyHeader, PlaceOrder.IdempotencyKeyTooLong);
        }

        // A retry is answered as the first request was, whatever its body.
        if (await handler.ReplayAsync(caller!.Subject, key) is { } replay)
        {
            return Accepted(replay);
        }

        var (body, problem) = await JsonBody.ReadAsync<PlaceOrderRequest>(request, request.HttpContext.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        var (command, errors) = PlaceOrder.Create(caller.Subject, body!, key);
        if (command is null)
        {
            return Problems.Validation(errors);
        }

        var result = await handler.HandleAsync(command, request.HttpContext.RequestAborted);
        if (result is PlaceOrderResult.Accepted { SagaStart: { } start })
        {
            _ = sagas.Enqueue(durable, start);
        }

        return result switch
        {
            PlaceOrderResult.Accepted accepted => Accepted(accepted.Order),
            PlaceOrderResult.UnknownSkus unknown => Problems.Validation(unknown.Errors),
            _ => PricingUnavailable(request.HttpContext.Response),
        };
    }

    private static AcceptedResult Accepted(OrderAccepted order) => new($"/api/orders/{order.OrderId}", order);

    private static ObjectResult PricingUnavailable(HttpResponse response)
    {
        response.Headers.RetryAfter = "5";
        return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Pricing unavailable", "The catalogue cannot be read right now; try again shortly.");
    }
}
