using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.Orders.ReadingOrders;

/// <summary>An order whose saga has not finished it: pending for <see cref="AgeSeconds"/> since <see cref="PlacedAt"/>.</summary>
public sealed record StuckSaga(string OrderId, DateTimeOffset PlacedAt, double AgeSeconds);

/// <summary>The sagas that look stuck, for operations (admins, and services with <c>ops.read</c>).</summary>
public sealed class StuckSagasFunction(IOrderEventStore store, TimeProvider clock, TokenValidator auth)
{
    public const int DefaultOlderThanSeconds = 60;
    public const int MaxOlderThanSeconds = 7 * 24 * 3600;

    [Function("StuckSagas")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/stuck")] HttpRequest request)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.OpsRead, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var text = request.Query["olderThanSeconds"].ToString();
        var seconds = DefaultOlderThanSeconds;
        if (text.Length > 0 && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds > MaxOlderThanSeconds))
        {
            return Problems.Validation("olderThanSeconds", $"olderThanSeconds is a whole number of seconds from 0 to {MaxOlderThanSeconds}.");
        }

        return new OkObjectResult(await FindAsync(store, clock.GetUtcNow(), TimeSpan.FromSeconds(seconds)));
    }

    /// <summary>
    /// Orders still pending <paramref name="olderThan"/> after their placement, oldest first. Only orders whose saga
    /// start is still recorded can be pending (a start is forgotten once its order is final), so this reads those few.
    /// </summary>
    public static async Task<IReadOnlyList<StuckSaga>> FindAsync(IOrderEventStore store, DateTimeOffset now, TimeSpan olderThan)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stuck = new List<StuckSaga>();
        foreach (var start in await store.PendingSagaStartsAsync())
        {
            if (start.Orchestrator == nameof(OrderSaga)
                && await store.LoadOrderAsync(start.OrderId) is { Status: OrderStatus.Pending } order
                && now - order.PlacedAt >= olderThan)
            {
                stuck.Add(new StuckSaga(order.Id, order.PlacedAt, Math.Round((now - order.PlacedAt).TotalSeconds, 1)));
            }
        }

        return [.. stuck.OrderBy(s => s.PlacedAt)];
    }
}
