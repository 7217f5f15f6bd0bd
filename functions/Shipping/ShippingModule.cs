using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.Shipping.BookingShipments;

namespace Serverless.Shipping;

public static class ShippingModule
{
    public const string Service = "shipping";

    /// <summary>Everything the shipping service registers, whichever host runs it.</summary>
    public static IServiceCollection AddShipping(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete(Service, configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddMessaging(configuration);
        services.AddServiceStorage(configuration, Service);
        services.AddAggregateStore<Shipment>(configuration, Service, "shipments");
        services.AddStorageOutboxRelay(configuration, Service, "shipments");
        services.AddSingleton<ShippingPolicy>();
        services.AddSingleton<BookShipmentHandler>();
        services.AddSingleton<CancelShipmentHandler>();
        return services;
    }
}
