using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Domain;

namespace Serverless.Orders.ReadingOrders;

public sealed record OrderView(string OrderId, string CustomerId, string Status, IReadOnlyCollection<OrderLine> Items, decimal Total, string? CancellationReason)
{
    public static OrderView From(Order o) => new(o.Id, o.CustomerId, o.Status, o.Items, o.Total, o.CancellationReason);
}

public sealed record EventView(int Version, string Type, DateTimeOffset At, object Data);

/// <summary>Reads of the command side: state rebuilt from the order's events. A customer sees only its own orders (404 otherwise).</summary>
public sealed class OrderQueryFunctions(IOrderEventStore store, TokenValidator auth)
{
    [Function("GetOrder")]
    public async Task<IActionResult> GetOrder(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/{orderId}")] HttpRequest request, string orderId)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request);
        if (denied is not null)
        {
            return denied;
        }

        int? asOf = null;
        if (request.Query.TryGetValue("asOfVersion", out var raw))
        {
            if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
            {
                return Problems.Validation("asOfVersion", "asOfVersion must be an integer >= 1.");
            }

            asOf = version;
        }

        var order = await store.LoadOrderAsync(orderId, asOf);
        if (order is null || !caller!.CanSee(order.CustomerId))
        {
            return Problems.NotFound($"Order {orderId} does not exist.");
        }

        if (asOf is not null && order.Version < asOf)
        {
            return Problems.NotFound($"Order {orderId} has only {order.Version} events.");
        }

        return new OkObjectResult(OrderView.From(order));
    }

    [Function("ListOrders")]
    public async Task<IActionResult> ListOrders(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders")] HttpRequest request)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request);
        if (denied is not null)
        {
            return denied;
        }

        var views = new List<OrderView>();
        foreach (var id in await store.ListAsync(caller!.Subject))
        {
            if (await store.LoadOrderAsync(id) is { } order)
            {
                views.Add(OrderView.From(order));
            }
        }

        return new OkObjectResult(views);
    }

    [Function("GetOrderEvents")]
    public async Task<IActionResult> GetOrderEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/{orderId}/events")] HttpRequest request, string orderId)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request);
        if (denied is not null)
        {
            return denied;
        }

        var events = await store.LoadAsync(orderId);
        var order = Order.Rehydrate(orderId, events);
        if (order is null || !caller!.CanSee(order.CustomerId))
        {
            return Problems.NotFound($"Order {orderId} does not exist.");
        }

        return new OkObjectResult(events.Select(e => new EventView(e.Version, e.Type, e.At, e.Data)));
    }
}
