using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Rebuilding;

namespace Serverless.OrderHistory.Reading;

public sealed class HistoryFunctions(IOrderHistoryStore history, HistoryRebuilder rebuilder, ProjectionLag lag, TokenValidator auth)
{
    /// <summary>The caller's orders from the read model, eventually consistent with Orders, Payments and Shipping.</summary>
    [Function("GetOrderHistory")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/order-history")] HttpRequest request)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request);
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
            var page = await history.ForCustomerAsync(caller!.Subject, asked.Limit, asked.After, request.HttpContext.RequestAborted);
            return Paging.Ok(request, asked, new Page<OrderHistoryEntry>([.. page.Items.Select(OrderHistoryEntry.From)], page.Next));
        }
        catch (FormatException)
        {
            return Paging.InvalidCursor();
        }
    }

    /// <summary>How far the read model is behind its sources, for operations.</summary>
    [Function("OrderHistoryLag")]
    public async Task<IActionResult> Lag([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/order-history/lag")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.OpsRead, Roles.Admin);
        return denied ?? new OkObjectResult(new { projectionLagMs = lag.Milliseconds() });
    }

    /// <summary>Events the projection parked (it could not apply them), for admins: each is an alert until a rebuild repairs it.</summary>
    [Function("ParkedOrderHistoryEvents")]
    public async Task<IActionResult> Parked([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/order-history/parked")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, Roles.Admin);
        return denied ?? new OkObjectResult(await history.ParkedAsync(request.HttpContext.RequestAborted));
    }

    /// <summary>Replays the sources' feeds into a fresh model; <c>?swap=true</c> replaces the live one with it.</summary>
    [Function("RebuildOrderHistory")]
    public async Task<IActionResult> Rebuild([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/order-history/rebuild")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var swap = string.Equals(request.Query["swap"], "true", StringComparison.OrdinalIgnoreCase);
        return new OkObjectResult(await rebuilder.RebuildAsync(swap, request.HttpContext.RequestAborted));
    }
}
