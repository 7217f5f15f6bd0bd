using Serverless.BuildingBlocks.Http;

namespace Serverless.Notifications.Sending;

/// <summary>
/// The notifications customers were sent. Adapters: <see cref="Storage.Sqlite.SqliteNotificationStore"/>
/// (a row per notification, unique per order and type, with the consumer inbox in one transaction) and
/// <see cref="Storage.Cosmos.CosmosNotificationStore"/> (a document per notification, id
/// <c>{orderId}:{type}</c>, in the customer's partition). Both pass <c>NotificationStoreContract</c>.
/// </summary>
public interface INotificationStore
{
    /// <summary>
    /// Records <paramref name="notification"/> for <paramref name="customerId"/>: true only the first time,
    /// false when this message or another one already brought that order's notification of that type.
    /// </summary>
    Task<bool> TryAddAsync(string messageId, string customerId, Notification notification, CancellationToken cancellationToken = default);

    /// <summary>The customer's notifications, newest first.</summary>
    Task<IReadOnlyList<Notification>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the customer's notifications, newest first (<see cref="Notification.NewestFirst"/>): at most
    /// <paramref name="limit"/>, strictly after <paramref name="after"/> (a <see cref="Paging.Position"/> of
    /// <c>at</c> and id, as <see cref="Page{T}.Next"/> hands out; null for the first page). A position that is
    /// not one is a <see cref="FormatException"/>.
    /// </summary>
    Task<Page<Notification>> ForCustomerAsync(string customerId, int limit, string? after, CancellationToken cancellationToken = default);
}

/// <summary>The port to whatever delivers e-mail (in Azure: Communication Services or a provider).</summary>
public interface IEmailSender
{
    /// <summary>Sends <paramref name="notification"/> to <paramref name="recipient"/>, once per notification id however often it is asked.</summary>
    Task SendAsync(Notification notification, string recipient, CancellationToken cancellationToken = default);
}
