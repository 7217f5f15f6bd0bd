using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Orders.Domain;

/// <summary>What other services learn of an order's event: the event itself, its order, customer and version.</summary>
public sealed record OrderEventPublished(string OrderId, string CustomerId, int Version, object Event)
{
    public const string Topic = "orders";

    /// <summary>
    /// The integration event every store writes with event <paramref name="version"/> of the order (its
    /// outbox envelope): message id <c>{orderId}:{version}</c>, so a republished event dedupes; caused by the previous version.
    /// </summary>
    public static IntegrationEvent Envelope(string orderId, string customerId, int version, IOrderEvent e, DateTimeOffset at) =>
        IntegrationEvent.Create(Topic, OrderEventJson.TypeName(e), orderId, new OrderEventPublished(orderId, customerId, version, e), at,
            correlationId: orderId, causationId: version > 1 ? $"{orderId}:{version - 1}" : null, messageId: $"{orderId}:{version}");
}
