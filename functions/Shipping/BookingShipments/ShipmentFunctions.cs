using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;

namespace Serverless.Shipping.BookingShipments;

public sealed record BookRequest(string? OrderId, string? Country);

public sealed record ShipmentResponse(string OrderId, string Status, string? Carrier, string? TrackingNumber)
{
    public static ShipmentResponse From(Shipment s) => new(s.OrderId, s.Status.ToString(), s.Carrier, s.TrackingNumber);
}

/// <summary>Saga participant endpoints: called by the order saga with its service identity (or an admin).</summary>
public sealed class ShipmentFunctions(ShippingStore store, TokenValidator auth)
{
    [Function("BookShipment")]
    public async Task<IActionResult> Book(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/shipping/shipments")] HttpRequest request)
    {
        var (_, body, problem) = await auth.AuthorizeAndReadAsync<BookRequest>(request, Roles.Service, Roles.Admin);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(body!.OrderId) || string.IsNullOrWhiteSpace(body.Country))
        {
            return Problems.Validation("country", "orderId and country are required.");
        }

        var shipment = await store.BookAsync(body.OrderId, body.Country);
        return shipment.Status switch
        {
            ShipmentStatus.Booked => new OkObjectResult(ShipmentResponse.From(shipment)),
            ShipmentStatus.Unavailable => Problems.Conflict("Shipping unavailable", $"We do not ship to '{body.Country}'.", ProblemTypes.ShippingUnavailable),
            _ => Problems.Conflict("Already cancelled", $"Order {body.OrderId}'s shipment was cancelled.", ProblemTypes.AlreadyCompensated),
        };
    }

    [Function("CancelShipment")]
    public async Task<IActionResult> Cancel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/shipping/shipments/{orderId}/cancel")] HttpRequest request, string orderId)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, Roles.Service, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        return new OkObjectResult(ShipmentResponse.From(await store.CancelAsync(orderId)));
    }

    [Function("GetShipment")]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/shipping/shipments/{orderId}")] HttpRequest request, string orderId)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, Roles.Service, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var shipment = await store.GetAsync(orderId);
        return shipment is null ? Problems.NotFound($"No shipment for order {orderId}.") : new OkObjectResult(ShipmentResponse.From(shipment));
    }
}
