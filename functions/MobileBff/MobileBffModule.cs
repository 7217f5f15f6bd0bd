using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.MobileBff;

public static class MobileBffModule
{
    /// <summary>The mobile client's back end: slim lists, one call each, with the standard resilience pipeline.</summary>
    public static IServiceCollection AddMobileBff(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete("mobile-bff", configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddHttpClient("orders", c => c.BaseAddress = ServiceDefaults.ServiceAddress("orders"))
            .AddStandardResilienceHandler();
        return services;
    }
}
