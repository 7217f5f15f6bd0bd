using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.Orders.Domain;

namespace Serverless.Orders.ReadingOrders;

/// <summary>How many orders are in each state, for operations (admins, and services with <c>ops.read</c>).</summary>
public sealed class SagaStatsFunction(IOrderEventStore store, TokenValidator auth)
{
    [Function("SagaStats")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/stats")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.OpsRead, Roles.Admin);
        return denied ?? new OkObjectResult(await store.CountByStatusAsync());
    }
}
