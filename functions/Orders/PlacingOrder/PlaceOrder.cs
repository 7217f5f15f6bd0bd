using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.Orders.PlacingOrder;

/// <summary>What the caller is told: the order's id and status (202, with the order's location).</summary>
public sealed record OrderAccepted(string OrderId, string Status);

public sealed record RequestedLine(string Sku, int Quantity);

/// <summary>A customer places an order of <paramref name="Items"/> (not yet priced), optionally under an idempotency key.</summary>
public sealed record PlaceOrder(string CustomerId, IReadOnlyList<RequestedLine> Items, ShippingAddress ShippingAddress, string? IdempotencyKey)
{
    public const int MaxIdempotencyKeyLength = 128;

    public const string IdempotencyKeyTooLong = "The Idempotency-Key header holds at most 128 characters.";

    public static bool IsValidIdempotencyKey(string? key) => (key?.Length ?? 0) <= MaxIdempotencyKeyLength;

    /// <summary>The command, or the request's field errors keyed as the client sent them.</summary>
    public static (PlaceOrder? Command, Dictionary<string, string[]> Errors) Create(string customerId, PlaceOrderRequest request, string? idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentNullException.ThrowIfNull(request);
        var errors = request.Validate();
        if (!IsValidIdempotencyKey(idempotencyKey))
        {
            errors["Idempotency-Key"] = [IdempotencyKeyTooLong];
        }

        return errors.Count > 0
            ? (null, errors)
            : (new PlaceOrder(customerId, [.. request.Items!.Select(i => new RequestedLine(i!.Sku!, i.Quantity!.Value))], request.Address(),
                string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey), errors);
    }

    /// <summary>
    /// The new order's id. A keyed placement's id is named by its customer and key (a SHA-256 based
    /// UUID), so a retry after a failed or racing placement writes the same stream and the store lets
    /// only one of them in; without a key, a new random id.
    /// </summary>
    public string NewOrderId()
    {
        if (IdempotencyKey is null)
        {
            return Guid.NewGuid().ToString();
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{CustomerId}\n{IdempotencyKey}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom), variant 10
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }
}

public abstract record PlaceOrderResult
{
    private PlaceOrderResult()
    {
    }

    /// <summary>Placed now (with the saga to start), or earlier under the same idempotency key (nothing to start).</summary>
    public sealed record Accepted(OrderAccepted Order, SagaStart? SagaStart = null) : PlaceOrderResult;

    /// <summary>Lines whose SKU the catalogue does not know, keyed as the client sent them.</summary>
    public sealed record UnknownSkus(Dictionary<string, string[]> Errors) : PlaceOrderResult;

    /// <summary>The catalogue cannot be read: nothing was placed; the client may retry shortly.</summary>
    public sealed record PricingUnavailable : PlaceOrderResult;
}

/// <summary>Prices the lines from the catalogue, lets <see cref="Order.Place"/> decide, and stores the order with its saga start.</summary>
public sealed class PlaceOrderHandler(IOrderEventStore store, IPriceList prices, SagaStarter sagas, ILogger<PlaceOrderHandler> logger)
{
    /// <summary>
    /// The order an earlier request with the same key placed, answered exactly as the first request was
    /// (Pending, as placed), however far its saga has got since: the client learns the order's progress
    /// from <c>GET /api/orders/{id}</c>, and a retry never sees a different answer. Null if none.
    /// </summary>
    public async Task<OrderAccepted?> ReplayAsync(string customerId, string? idempotencyKey) =>
        !string.IsNullOrEmpty(idempotencyKey) && await store.FindByIdempotencyKeyAsync(customerId, idempotencyKey) is { } orderId
            ? new OrderAccepted(orderId, OrderStatus.Pending)
            : null;

    public async Task<PlaceOrderResult> HandleAsync(PlaceOrder command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);

        // Prices are the catalogue's, read server-side; a client's price is never taken.
        var lines = new List<OrderLine>();
        var unknown = new Dictionary<string, string[]>();
        try
        {
            foreach (var (item, index) in command.Items.Select((item, index) => (item, index)))
            {
                if (await prices.PriceAsync(item.Sku, cancellationToken) is { } price)
                {
                    lines.Add(new OrderLine(item.Sku, item.Quantity, price));
                }
                else
                {
                    unknown[$"items[{index}].sku"] = [$"SKU '{item.Sku}' is unknown."];
                }
            }
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "Inventory unavailable for pricing");
            return new PlaceOrderResult.PricingUnavailable();
        }

        if (unknown.Count > 0)
        {
            return new PlaceOrderResult.UnknownSkus(unknown);
        }

        var orderId = command.NewOrderId();
        var placed = Order.Place(command.CustomerId, lines, command.ShippingAddress);
        var start = sagas.ForOrder(orderId, command.CustomerId, placed.Items, placed.Total, placed.ShippingAddress.Country);
        try
        {
            await store.AppendAsync(orderId, 0, [placed], (command.CustomerId, command.IdempotencyKey), start);
        }
        catch (Exception ex) when (ex is DuplicateIdempotencyKeyException or ConcurrencyException && command.IdempotencyKey is not null)
        {
            // The same key raced in from another request (same order id): answer with the order that one stored.
            return new PlaceOrderResult.Accepted(await ReplayAsync(command.CustomerId, command.IdempotencyKey)
                ?? throw new InvalidOperationException($"Idempotency key '{command.IdempotencyKey}' is taken but names no stored order."));
        }

        logger.LogInformation("Order {OrderId} placed by {CustomerId}, total {Total}", orderId, command.CustomerId, placed.Total);
        return new PlaceOrderResult.Accepted(new OrderAccepted(orderId, OrderStatus.Pending), start);
    }
}
