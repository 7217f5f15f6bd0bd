using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.Orders.CancellingOrder;

public sealed class CancelOrderFunction(IOrderEventStore store, SagaStarter sagas, TokenValidator auth, ILogger<CancelOrderFunction> logger)
{
    /// <summary>
    /// Records the customer's cancellation. A pending order's saga sees it at its next step; a
    /// confirmed order gets a cancellation saga that runs every compensation. 202 once, 409 after.
    /// </summary>
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

        for (var attempt = 0; attempt < 20; attempt++)
        {
            var order = await store.LoadOrderAsync(orderId);
            if (order is null || !caller!.CanSee(order.CustomerId))
            {
                return Problems.NotFound($"Order {orderId} does not exist.");
            }

            if (!order.CanRequestCancellation)
            {
                return Problems.Conflict("Cannot cancel", order.Status == OrderStatus.Cancelled
                    ? $"Order {orderId} is already cancelled."
                    : $"Order {orderId} is already being cancelled.");
            }

            var start = order.Status == OrderStatus.Confirmed ? sagas.ForCancellation(order) : null;
            try
            {
                await store.AppendAsync(orderId, order.Version, [new CancellationRequested(caller.Subject)], sagaStart: start);
            }
            catch (ConcurrencyException)
            {
                continue; // the saga moved on meanwhile: decide again on the new state
            }

            logger.LogInformation("Cancellation of order {OrderId} requested by {Subject}", orderId, caller.Subject);
            if (start is not null)
            {
                try
                {
                    await sagas.StartAsync(durable, start, request.HttpContext.RequestAborted);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Cancellation saga for order {OrderId} deferred", orderId);
                }
            }

            return new AcceptedResult($"/api/orders/{orderId}", new { orderId, status = order.Status });
        }

        return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Busy", $"Order {orderId} is changing too fast; try again.");
    }
}
