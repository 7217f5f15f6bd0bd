using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Hosting;
using Serverless.Identity.IssuingTokens;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.Identity;

public static class IdentityModule
{
    /// <summary>Everything the identity service registers, whichever host runs it.</summary>
    public static IServiceCollection AddIdentityService(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete("identity", configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        services.AddOptions<IdentityOptions>().Bind(configuration.GetSection(IdentityOptions.Section));
        services.AddSingleton(TokenSigner(configuration));
        services.AddSingleton<ISigningKeySource, SignerKeySource>();
        services.AddSingleton<TokenIssuer>();
        return services;
    }

    /// <summary>The one place the signing key is chosen: <c>Identity:SigningKeyId</c> set is a Key Vault key (Azure), else a local key file.</summary>
    private static Func<IServiceProvider, ITokenSigner> TokenSigner(IConfiguration configuration) => sp =>
        configuration[$"{IdentityOptions.Section}:{nameof(IdentityOptions.SigningKeyId)}"] is { Length: > 0 } keyId
            ? new KeyVaultTokenSigner(new Uri(keyId), new DefaultAzureCredential(), sp.GetRequiredService<TimeProvider>())
            : RsaKeyFileSigner.LoadOrCreate(ServiceDefaults.SqlitePath(configuration, "identity"));
}
