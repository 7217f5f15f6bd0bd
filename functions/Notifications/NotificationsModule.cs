using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.Notifications.Sending;

namespace Serverless.Notifications;

public static class NotificationsModule
{
    public const string Name = "notifications";

    /// <summary>Tells customers about their orders, exactly once per type and order, from Orders' events.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, Name), NotificationStore.Schema));
        services.AddSingleton<NotificationStore>();
        services.AddSingleton<IEmailSender, StoredEmailSender>();
        services.AddSubscriber<OrderEventsHandler>(configuration, Name, "orders");
        return services;
    }
}
