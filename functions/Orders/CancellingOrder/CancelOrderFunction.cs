using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Saga;

namespace Serverless.Orders.CancellingOrder;

public sealed class CancelOrderFunction(RequestCancellationHandler handler, SagaStartQueue sagas, TokenValidator auth)
{
    /// <summary>Records the customer's cancellation: 202 once, 409 after; the cancellation saga of a confirmed order is queued to start at once (<see cref="SagaStartQueue"/>).</summary>
    [Function("RequestOrderCancellation")]
    public async Task<IActionResult> CancelOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/orders/{orderId}/cancel")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient durable)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request, Roles.Customer, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var result = await handler.HandleAsync(RequestCancellation.Create(orderId, caller!));
        if (result is RequestCancellationResult.Accepted { SagaStart: { } start })
        {
            _ = sagas.Enqueue(durable, start);
        }

        return result switch
        {
            RequestCancellationResult.Accepted accepted => new AcceptedResult($"/api/orders/{orderId}", accepted.Order),
            RequestCancellationResult.Refused refused => Problems.Conflict("Cannot cancel", refused.Reason),
            RequestCancellationResult.NotFound => Problems.NotFound($"Order {orderId} does not exist."),
            _ => Problems.Create(StatusCodes.Status503ServiceUnavailable, "Busy", $"Order {orderId} is changing too fast; try again."),
        };
    }
}
