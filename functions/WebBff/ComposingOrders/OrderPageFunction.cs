using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;

namespace Serverless.WebBff.ComposingOrders;

public sealed record PaymentPart(string Status, decimal Amount);

public sealed record ShipmentPart(string Status, string? Carrier, string? TrackingNumber);

public sealed record OrderPage(JsonElement Order, PaymentPart? Payment, ShipmentPart? Shipment, IReadOnlyList<string> Degraded);

/// <summary>API composition for the web client: one call, three services, in parallel, degrading part by part.</summary>
public sealed class OrderPageFunction(IHttpClientFactory clients, Circuits circuits, TokenValidator auth, ILogger<OrderPageFunction> logger)
{
    [Function("WebOrderPage")]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "bff/web/orders/{orderId}")] HttpRequest request, string orderId)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, Roles.Customer, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var ct = request.HttpContext.RequestAborted;
        var id = Uri.EscapeDataString(orderId);
        var order = Part(async () =>
        {
            using var message = request.OnBehalfOf(HttpMethod.Get, $"api/orders/{id}");
            using var response = await clients.CreateClient("orders").SendAsync(message, ct);
            return response.StatusCode == HttpStatusCode.NotFound ? (JsonElement?)null : await Read<JsonElement>(response, ct);
        });
        var payment = Part(async () =>
        {
            using var response = await clients.CreateClient("payments").GetAsync($"api/payments/charges/{id}", ct);
            return response.StatusCode == HttpStatusCode.NotFound ? null : await Read<PaymentPart>(response, ct);
        });
        var shipment = Part(async () =>
        {
            using var response = await clients.CreateClient("shipping").GetAsync($"api/shipping/shipments/{id}", ct);
            return response.StatusCode == HttpStatusCode.NotFound ? null : await Read<ShipmentPart>(response, ct);
        });
        await Task.WhenAll(order, payment, shipment);

        // The order decides who may see the page: the caller's own (orders checked the caller's token).
        var (orderValue, orderDown) = await order;
        if (orderDown)
        {
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Orders unavailable", "The order cannot be read right now.");
        }

        if (orderValue is null)
        {
            return Problems.NotFound($"Order {orderId} does not exist.");
        }

        var degraded = new List<string>();
        var (paymentValue, paymentDown) = await payment;
        var (shipmentValue, shipmentDown) = await shipment;
        if (paymentDown)
        {
            degraded.Add("payments");
        }

        if (shipmentDown)
        {
            degraded.Add("shipping");
        }

        if (degraded.Count > 0)
        {
            logger.LogInformation("Order page {OrderId} degraded: {Degraded}; circuits {Circuits}", orderId, degraded, circuits.States());
        }

        return new OkObjectResult(new OrderPage(orderValue.Value, paymentValue, shipmentValue, degraded));
    }

    /// <summary>The circuit state per downstream (admin), for the ops view.</summary>
    [Function("WebBffCircuits")]
    public async Task<IActionResult> CircuitStates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "bff/web/circuits")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.OpsRead, Roles.Admin);
        return denied ?? new OkObjectResult(circuits.States());
    }

    /// <summary>The fallback: any failure of a part (down, 5xx, timeout, open circuit, no instance known) makes it null and degraded.</summary>
    private static async Task<(T? Value, bool Down)> Part<T>(Func<Task<T?>> read)
    {
        try
        {
            return (await read(), false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException
                                       or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException or JsonException)
        {
            return (default, true);
        }
    }

    private static async Task<T?> Read<T>(HttpResponseMessage response, CancellationToken ct)
    {
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(JsonBody.Options, ct);
    }
}
