using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.Shipping.BookingShipments;

/// <summary>The saga's shipping step: book the order's shipment to <see cref="Country"/>, once.</summary>
public sealed record BookShipment(string OrderId, string Country)
{
    public const string Rules = "orderId (at most 255 characters, none of / \\ ? #) and country are required.";

    /// <summary>The command, or null when the input breaks <see cref="Rules"/>.</summary>
    public static BookShipment? Create(string? orderId, string? country) =>
        StorageLimits.IsValidId(orderId) && !string.IsNullOrWhiteSpace(country) ? new BookShipment(orderId!, country) : null;
}

/// <summary>Decides once per order; a repeat answers the first decision (or the cancellation that came first).</summary>
public sealed class BookShipmentHandler(IAggregateStore<Shipment> shipments, ShippingPolicy policy, TimeProvider clock, ILogger<BookShipmentHandler> logger)
{
    public Task<Shipment> HandleAsync(BookShipment command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var loaded = await shipments.LoadAsync(command.OrderId, cancellationToken: cancellationToken);
            if (loaded.State is { } existing)
            {
                return existing;
            }

            var (shipment, events) = Shipment.Book(command.OrderId, command.Country, policy.Ships(command.Country), clock.GetUtcNow());
            await shipments.SaveAsync(loaded, shipment, events, cancellationToken: cancellationToken);
            logger.LogInformation("Shipment of order {OrderId} to {Country}: {Status}", shipment.OrderId, shipment.Country, shipment.Status);
            return shipment;
        });
    }
}
