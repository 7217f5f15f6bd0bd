using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;

namespace Serverless.MobileBff.ListingOrders;

public sealed record SlimOrder(string OrderId, string Status, decimal Total);

public sealed class MyOrdersFunction(IHttpClientFactory clients, TokenValidator auth)
{
    /// <summary>The caller's orders, newest first, with only what a phone list shows.</summary>
    [Function("MobileMyOrders")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "bff/mobile/orders")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, Roles.Customer, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        try
        {
            using var message = request.OnBehalfOf(HttpMethod.Get, "api/orders");
            using var response = await clients.CreateClient("orders").SendAsync(message, request.HttpContext.RequestAborted);
            response.EnsureSuccessStatusCode();
            var orders = await response.Content.ReadFromJsonAsync<List<SlimOrder>>(JsonBody.Options, request.HttpContext.RequestAborted) ?? [];
            return new OkObjectResult(orders);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
        {
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Orders unavailable", "Your orders cannot be listed right now.");
        }
    }
}
