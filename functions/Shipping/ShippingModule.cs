using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Shipping;

public static class ShippingModule
{
    /// <summary>Everything the shipping service registers, whichever host runs it.</summary>
    public static IServiceCollection AddShipping(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddOutboxRelay(configuration);
        services.AddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, "shipping"), ShippingStore.Schema));
        services.AddSingleton<ShippingStore>();
        services.AddSingleton<ShippingPolicy>();
        return services;
    }
}
