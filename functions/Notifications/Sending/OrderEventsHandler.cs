using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Notifications.Sending;

/// <summary>
/// Turns Orders' events into notifications: received, confirmed, cancelled. Redeliveries change nothing.
/// The e-mail goes out even when the notification was recorded before: a delivery that failed between
/// the two is finished by the next one, and the sender sends each notification once.
/// </summary>
public sealed class OrderEventsHandler(INotificationStore store, IEmailSender email, ILogger<OrderEventsHandler> logger) : IIntegrationEventHandler
{
    public async Task HandleAsync(IntegrationEvent e, CancellationToken cancellationToken)
    {
        if (Notification.For(e) is not var (customerId, notification))
        {
            return;
        }

        var added = await store.TryAddAsync(e.MessageId, customerId, notification, cancellationToken);
        await email.SendAsync(notification, customerId, cancellationToken);
        if (added)
        {
            logger.LogInformation("Notified {CustomerId}: order {OrderId} {Type}", customerId, notification.OrderId, notification.Type);
        }
    }
}
