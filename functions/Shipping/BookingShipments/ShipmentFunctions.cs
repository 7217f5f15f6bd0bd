using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.Shipping.BookingShipments;

public sealed record BookRequest(string? OrderId, string? Country);

public sealed record ShipmentResponse(string OrderId, string Status, string? Carrier, string? TrackingNumber)
{
    public static ShipmentResponse From(Shipment s) => new(s.OrderId, s.Status.ToString(), s.Carrier, s.TrackingNumber);
}

/// <summary>Saga participant endpoints: called by the order saga with its service identity and scope <c>shipping.book</c> (or an admin); read with <c>shipping.read</c>.</summary>
public sealed class ShipmentFunctions(BookShipmentHandler book, CancelShipmentHandler cancel, IAggregateStore<Shipment> shipments, TokenValidator auth)
{
    [Function("BookShipment")]
    public async Task<IActionResult> Book(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/shipping/shipments")] HttpRequest request)
    {
        var (_, body, problem) = await auth.AuthorizeAndReadAsync<BookRequest>(request, ServiceScope.ShippingBook, Roles.Admin);
        if (problem is not null)
        {
            return problem;
        }

        if (BookShipment.Create(body!.OrderId, body.Country) is not { } command)
        {
            return Problems.Validation("country", BookShipment.Rules);
        }

        var shipment = await book.HandleAsync(command, request.HttpContext.RequestAborted);
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
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.ShippingBook, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        if (!StorageLimits.IsValidId(orderId))
        {
            return Problems.Validation("orderId", "orderId must be 1-255 characters, none of / \\ ? #.");
        }

        return new OkObjectResult(ShipmentResponse.From(await cancel.HandleAsync(new CancelShipment(orderId), request.HttpContext.RequestAborted)));
    }

    [Function("GetShipment")]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/shipping/shipments/{orderId}")] HttpRequest request, string orderId)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.ShippingRead, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var shipment = (await shipments.LoadAsync(orderId, cancellationToken: request.HttpContext.RequestAborted)).State;
        return shipment is null ? Problems.NotFound($"No shipment for order {orderId}.") : new OkObjectResult(ShipmentResponse.From(shipment));
    }
}
