using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Inventory.Domain;

namespace Serverless.Inventory.ReservingStock;

public sealed record ReserveRequest(string? OrderId, List<OrderLine?>? Items);

public sealed record ReservationResponse(string OrderId, string Status);

/// <summary>Saga participant endpoints: called by the order saga with its service identity and scope <c>inventory.reserve</c> (or an admin).</summary>
public sealed class ReservationFunctions(ReserveStockHandler reserve, ReleaseStockHandler release, CommitStockHandler commit, TokenValidator auth, ILogger<ReservationFunctions> logger)
{
    [Function("ReserveStock")]
    public async Task<IActionResult> Reserve(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/inventory/reservations")] HttpRequest request)
    {
        var (_, body, problem) = await auth.AuthorizeAndReadAsync<ReserveRequest>(request, ServiceScope.InventoryReserve, Roles.Admin);
        if (problem is not null)
        {
            return problem;
        }

        if (ReserveStock.Create(body!.OrderId, body.Items) is not { } command)
        {
            return Problems.Validation("items", ReserveStock.Rule);
        }

        var reserved = await reserve.HandleAsync(command);
        logger.LogInformation("Stock for order {OrderId} ({Lines} lines): {Status}", command.OrderId, command.Lines.Count, reserved);
        return reserved switch
        {
            ReservationStatus.Refused => Problems.Conflict("Out of stock", $"Not enough stock for order {command.OrderId}.", ProblemTypes.OutOfStock),
            ReservationStatus.Released => Problems.Conflict("Already released", $"Order {command.OrderId} was released.", ProblemTypes.AlreadyCompensated),
            var status => new OkObjectResult(new ReservationResponse(command.OrderId, status.ToString())),
        };
    }

    [Function("ReleaseStock")]
    public async Task<IActionResult> Release(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/inventory/reservations/{orderId}/release")] HttpRequest request, string orderId)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.InventoryReserve, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var status = await release.HandleAsync(orderId);
        logger.LogInformation("Stock of order {OrderId} released: {Status}", orderId, status);
        return new OkObjectResult(new ReservationResponse(orderId, status.ToString()));
    }

    [Function("CommitStock")]
    public async Task<IActionResult> Commit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/inventory/reservations/{orderId}/commit")] HttpRequest request, string orderId)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.InventoryReserve, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        // Released or refused: a business "no" the saga compensates. No reservation, or one still being made,
        // is a saga bug: a plain 409 that the saga fails at once instead of retrying.
        var committed = await commit.HandleAsync(orderId);
        logger.LogInformation("Stock of order {OrderId} committed: {Status}", orderId, committed?.ToString() ?? "none");
        return committed switch
        {
            ReservationStatus.Committed => new OkObjectResult(new ReservationResponse(orderId, nameof(ReservationStatus.Committed))),
            ReservationStatus.Released => Problems.Conflict("Already released", $"Order {orderId}'s reservation was released; nothing is left to commit.", ProblemTypes.AlreadyCompensated),
            ReservationStatus.Refused => Problems.Conflict("Out of stock", $"Order {orderId}'s reservation was refused; nothing is held to commit.", ProblemTypes.OutOfStock),
            var status => Problems.Conflict("Not reserved", $"Order {orderId} holds no reservation to commit ({status?.ToString() ?? "none"})."),
        };
    }
}
