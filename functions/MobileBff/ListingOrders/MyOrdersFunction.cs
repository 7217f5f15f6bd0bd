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

        if (!Paging.TryRead(request, out var asked, out var invalid))
        {
            return invalid!;
        }

        try
        {
            // The same page of Orders' list: its cursor is passed through as is, and its next link is re-pointed here.
            var path = asked.After is { } after ? Paging.NextUrl("api/orders", asked.Limit, after) : $"api/orders?{Paging.LimitParameter}={asked.Limit}";
            using var message = request.OnBehalfOf(HttpMethod.Get, path);
            using var response = await clients.CreateClient("orders").SendAsync(message, request.HttpContext.RequestAborted);
            if (response.StatusCode == System.Net.HttpStatusCode.BadRequest)
            {
                return Paging.InvalidCursor(); // the limit was checked here: only the cursor can be refused
            }

            response.EnsureSuccessStatusCode();
            var orders = await response.Content.ReadFromJsonAsync<List<SlimOrder>>(JsonBody.Options, request.HttpContext.RequestAborted) ?? [];
            return Paging.Ok(request, asked, new Page<SlimOrder>(orders, response.Headers.TryGetValues("Link", out var links) ? Paging.NextPosition(links) : null));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
        {
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Orders unavailable", "Your orders cannot be listed right now.");
        }
    }
}
