using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Auth;
using Serverless.Orders.Domain;
using Serverless.Orders.PlacingOrder;
using Serverless.Orders.Saga;

namespace Serverless.Orders.CancellingOrder;

/// <summary>A customer (or an admin) asks to cancel an order.</summary>
public sealed record RequestCancellation(string OrderId, Caller Caller)
{
    public static RequestCancellation Create(string orderId, Caller caller)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        ArgumentNullException.ThrowIfNull(caller);
        return new RequestCancellation(orderId, caller);
    }
}

public abstract record RequestCancellationResult
{
    private RequestCancellationResult()
    {
    }

    /// <summary>Recorded; a confirmed order also gets its cancellation saga to start.</summary>
    public sealed record Accepted(OrderAccepted Order, SagaStart? SagaStart) : RequestCancellationResult;

    /// <summary>No such order, or not the caller's.</summary>
    public sealed record NotFound : RequestCancellationResult;

    public sealed record Refused(string Reason) : RequestCancellationResult;

    /// <summary>The order kept changing under every attempt.</summary>
    public sealed record Busy : RequestCancellationResult;
}

/// <summary>
/// Records the cancellation <see cref="Order.RequestCancellation"/> decides. A pending order's saga
/// sees it at its next step; a confirmed order gets a cancellation saga that runs every compensation.
/// </summary>
public sealed class RequestCancellationHandler(IOrderEventStore store, SagaStarter sagas, ILogger<RequestCancellationHandler> logger)
{
    public const int Attempts = 20;

    public async Task<RequestCancellationResult> HandleAsync(RequestCancellation command)
    {
        ArgumentNullException.ThrowIfNull(command);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var order = await store.LoadOrderAsync(command.OrderId);
            if (order is null || !command.Caller.CanSee(order.CustomerId))
            {
                return new RequestCancellationResult.NotFound();
            }

            var decision = order.RequestCancellation(command.Caller.Subject);
            if (decision.Event is null)
            {
                return new RequestCancellationResult.Refused(decision.Refusal!);
            }

            var start = order.Status == OrderStatus.Confirmed ? sagas.ForCancellation(order) : null;
            try
            {
                await store.AppendAsync(order.Id, order.Version, [decision.Event], sagaStart: start);
            }
            catch (ConcurrencyException)
            {
                continue; // the saga moved on meanwhile: decide again on the new state
            }

            logger.LogInformation("Cancellation of order {OrderId} requested by {Subject}", order.Id, command.Caller.Subject);
            return new RequestCancellationResult.Accepted(new OrderAccepted(order.Id, order.Status), start);
        }

        return new RequestCancellationResult.Busy();
    }
}
