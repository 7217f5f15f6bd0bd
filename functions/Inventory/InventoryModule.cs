using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.Inventory;

public static class InventoryModule
{
    /// <summary>Everything the inventory service registers, whichever host runs it.</summary>
    public static IServiceCollection AddInventory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServiceDefaults(configuration);
        services.AddSingleton(_ => new SqliteDatabase(ServiceDefaults.SqlitePath(configuration, "inventory"), InventoryStore.Schema));
        services.AddSingleton<InventoryStore>();
        return services;
    }
}
