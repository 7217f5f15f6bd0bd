using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.Shipping.BookingShipments;

/// <summary>The saga's compensation of <see cref="BookShipment"/>.</summary>
public sealed record CancelShipment(string OrderId);

/// <summary>Cancels once. Cancelling an order never booked leaves a tombstone, so a late booking is refused.</summary>
public sealed class CancelShipmentHandler(IAggregateStore<Shipment> shipments, TimeProvider clock, ILogger<CancelShipmentHandler> logger)
{
    public Task<Shipment> HandleAsync(CancelShipment command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var loaded = await shipments.LoadAsync(command.OrderId, cancellationToken: cancellationToken);
            if (loaded.State is { Status: ShipmentStatus.Cancelled or ShipmentStatus.Unavailable } settled)
            {
                return settled;
            }

            var (cancelled, events) = loaded.State is { } booked ? booked.Cancel(clock.GetUtcNow()) : (Shipment.Tombstone(command.OrderId), []);
            await shipments.SaveAsync(loaded, cancelled, events, cancellationToken: cancellationToken);
            logger.LogInformation("Shipment of order {OrderId} cancelled", command.OrderId);
            return cancelled;
        });
    }
}
