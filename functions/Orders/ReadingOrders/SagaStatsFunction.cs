using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Data;

namespace Serverless.Orders.ReadingOrders;

public sealed record SagaStats(int Pending, int Confirmed, int Cancelled);

/// <summary>How many orders are in each state, for operations (admins and services).</summary>
public sealed class SagaStatsFunction(SqliteDatabase db, TokenValidator auth)
{
    [Function("SagaStats")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/stats")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, Roles.Admin, Roles.Service);
        if (denied is not null)
        {
            return denied;
        }

        await using var c = db.Open();
        var stats = await c.QuerySingleAsync<(long Pending, long Confirmed, long Cancelled)>(
            """
            SELECT COALESCE(SUM(NOT confirmed AND NOT cancelled), 0), COALESCE(SUM(confirmed AND NOT cancelled), 0), COALESCE(SUM(cancelled), 0)
            FROM (SELECT MAX(type = 'OrderConfirmed') AS confirmed, MAX(type = 'OrderCancelled') AS cancelled FROM events GROUP BY stream_id)
            """);
        return new OkObjectResult(new SagaStats((int)stats.Pending, (int)stats.Confirmed, (int)stats.Cancelled));
    }
}
