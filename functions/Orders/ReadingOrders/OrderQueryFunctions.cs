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

        if (!Paging.TryRead(request, out var asked, out var invalid))
        {
            return invalid!;
        }

        Page<string> ids;
        try
        {
            ids = await store.ListAsync(caller!.Subject, asked.Limit, asked.After);
        }
        catch (FormatException)
        {
            return Paging.InvalidCursor();
        }

        // Only this page's orders are loaded (each from its latest snapshot), a few at a time, in list order.
        var views = new OrderView?[ids.Items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, views.Length), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = request.HttpContext.RequestAborted },
            async (i, _) => views[i] = await store.LoadOrderAsync(ids.Items[i]) is { } order ? OrderView.From(order) : null);

        return Paging.Ok(request, asked, new Page<OrderView>([.. views.OfType<OrderView>()], ids.Next));
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

        if (!Paging.TryRead(request, out var asked, out var invalid))
        {
            return invalid!;
        }

        var after = 0;
        if (asked.After is { } position && (!int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 1))
        {
            return Paging.InvalidCursor();
        }

        var order = await store.LoadOrderAsync(orderId);
        if (order is null || !caller!.CanSee(order.CustomerId))
        {
            return Problems.NotFound($"Order {orderId} does not exist.");
        }

        // Versions are 1, 2, 3, ... without gaps: the page after version v is (v, v + limit].
        var upTo = (int)Math.Min((long)after + asked.Limit, order.Version);
        var events = await store.LoadRangeAsync(orderId, after, upTo);
        var next = upTo < order.Version ? upTo.ToString(CultureInfo.InvariantCulture) : null;
        return Paging.Ok(request, asked, new Page<EventView>([.. events.Select(e => new EventView(e.Version, e.Type, e.At, e.Data))], next));
    }
}
