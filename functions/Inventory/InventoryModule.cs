using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;
using Serverless.Inventory.ManagingStock;
using Serverless.Inventory.ReservingStock;

namespace Serverless.Inventory;

public static class InventoryModule
{
    /// <summary>Everything the inventory service registers, whichever host runs it.</summary>
    public static IServiceCollection AddInventory(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete("inventory", configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddServiceStorage(configuration, "inventory")
            .AddAggregateStore<StockItem>(configuration, "inventory", "stock")
            .AddAggregateStore<Reservation>(configuration, "inventory", "reservations");
        services.AddSingleton<PutItemHandler>()
            .AddSingleton<GetItemHandler>()
            .AddSingleton<ListItemsHandler>()
            .AddSingleton<ReserveStockHandler>()
            .AddSingleton<ReleaseStockHandler>()
            .AddSingleton<CommitStockHandler>();
        return services;
    }
}
