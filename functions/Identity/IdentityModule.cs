using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Hosting;
using Serverless.Identity.IssuingTokens;

namespace Serverless.Identity;

public static class IdentityModule
{
    /// <summary>Everything the identity service registers, whichever host runs it.</summary>
    public static IServiceCollection AddIdentityService(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete("identity", configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddOptions<IdentityOptions>().Bind(configuration.GetSection(IdentityOptions.Section));
        services.AddSingleton(_ => SigningKeyStore.LoadOrCreate(ServiceDefaults.SqlitePath(configuration, "identity")));
        // The identity service validates with its own key rather than reading its own JWKS over HTTP.
        services.AddSingleton<ISigningKeySource>(sp => sp.GetRequiredService<SigningKeyStore>());
        services.AddSingleton<TokenIssuer>();
        return services;
    }
}
