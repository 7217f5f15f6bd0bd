using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Notifications.Sending;

/// <summary>Turns Orders' events into notifications: received, confirmed, cancelled. Redeliveries change nothing.</summary>
public sealed class OrderEventsHandler(NotificationStore store, IEmailSender email, ILogger<OrderEventsHandler> logger) : IIntegrationEventHandler
{
    private static readonly Dictionary<string, string> Notified = new()
    {
        ["OrderPlaced"] = "OrderReceived",
        ["OrderConfirmed"] = "OrderConfirmed",
        ["OrderCancelled"] = "OrderCancelled",
    };

    public async Task HandleAsync(IntegrationEvent e, CancellationToken cancellationToken)
    {
        if (!Notified.TryGetValue(e.Type, out var type))
        {
            return;
        }

        var customerId = e.Data.GetProperty("customerId").GetString()!;
        var notification = new Notification($"{e.Subject}:{type}", type, e.Subject, e.At);
        var added = await store.Database.WriteAsync(async (c, t) =>
        {
            if (!await NotificationStore.TryAddAsync(c, t, e.MessageId, customerId, notification))
            {
                return false;
            }

            await email.SendAsync(c, t, notification, customerId);
            return true;
        });
        if (added)
        {
            logger.LogInformation("Notified {CustomerId}: order {OrderId} {Type}", customerId, e.Subject, type);
        }
    }
}
