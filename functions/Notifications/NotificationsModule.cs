using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.Notifications.Sending;
using Serverless.Notifications.Storage.Cosmos;
using Serverless.Notifications.Storage.Sqlite;

namespace Serverless.Notifications;

public static class NotificationsModule
{
    public const string Name = "notifications";

    /// <summary>Tells customers about their orders, exactly once per type and order, from Orders' events.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete(Name, configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddServiceStorage(configuration, Name, SqliteNotificationStore.Schema);
        if (StorageOptions.UsesCosmos(configuration))
        {
            var container = CosmosLayout.Find(Name, "notifications").Container;
            services.AddSingleton<INotificationStore>(sp => new CosmosNotificationStore(sp.GetRequiredKeyedService<Database>(Name).GetContainer(container)));
            services.AddSingleton<IEmailSender>(sp => new CosmosEmailSender(sp.GetRequiredKeyedService<Database>(Name).GetContainer(container), sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            services.AddSingleton<INotificationStore>(sp => new SqliteNotificationStore(sp.GetRequiredService<SqliteDatabase>()));
            services.AddSingleton<IEmailSender>(sp => new SqliteEmailSender(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSubscriber<OrderEventsHandler>(configuration, Name, "orders");
        return services;
    }
}
