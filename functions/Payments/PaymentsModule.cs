using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Payments;

public static class PaymentsModule
{
    /// <summary>Everything the payments service registers, whichever host runs it.</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddOutboxRelay(configuration);
        services.AddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, "payments"), PaymentsStore.Schema));
        services.AddSingleton<PaymentsStore>();
        return services;
    }
}
