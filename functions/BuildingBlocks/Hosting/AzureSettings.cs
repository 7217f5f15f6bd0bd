using Microsoft.Extensions.Configuration;

namespace Serverless.BuildingBlocks.Hosting;

/// <summary>
/// The settings each Function App reads when it runs in Azure (<c>Hosting:Target</c> = <c>azure</c>, set by the
/// Bicep). One table for two readers: the start-up check that fails fast naming a missing setting, and the infra
/// test that proves the Bicep provides every one of them (app settings, App Configuration keys or Key Vault references).
/// </summary>
public static class AzureSettings
{
    public const string TargetKey = "Hosting:Target";
    public const string AzureTarget = "azure";

    /// <summary>The nine Function Apps, by the logical name the registry, azure.yaml and the Bicep use.</summary>
    public static readonly IReadOnlyList<string> Apps =
        ["identity", "inventory", "payments", "shipping", "orders", "order-history", "notifications", "web-bff", "mobile-bff"];

    /// <summary>Apps whose data lives in Cosmos DB.</summary>
    public static readonly IReadOnlyList<string> StorageApps = ["inventory", "payments", "shipping", "orders", "order-history", "notifications"];

    /// <summary>Apps that publish (outbox relays) or consume (subscriptions) integration events.</summary>
    public static readonly IReadOnlyList<string> BusApps = ["payments", "shipping", "orders", "notifications"];

    /// <summary>Apps that call other services with a token of their own (client credentials).</summary>
    public static readonly IReadOnlyList<string> ServiceClients = ["orders", "order-history", "web-bff"];

    public static bool IsAzure(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return string.Equals(configuration[TargetKey], AzureTarget, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Every key <paramref name="app"/> needs in Azure, in configuration-path form (<c>Auth:Issuer</c>).</summary>
    public static IReadOnlyList<string> RequiredFor(string app)
    {
        if (!Apps.Contains(app))
        {
            throw new ArgumentOutOfRangeException(nameof(app), app, "Not one of the nine apps.");
        }

        var keys = new List<string>
        {
            TargetKey,
            "AZURE_CLIENT_ID",
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
            "AppConfiguration:Endpoint",
            "AppConfiguration:Label",
            "AppConfiguration:SentinelKey",
            "Auth:Issuer",
            "Auth:Audience",
            "Auth:MetadataAddress",
        };
        keys.AddRange(Apps.Select(name => $"Services:{name}:https:0"));
        if (StorageApps.Contains(app))
        {
            keys.AddRange(["Storage:Provider", "Cosmos:Endpoint"]);
        }

        if (BusApps.Contains(app))
        {
            keys.AddRange(["Bus:Provider", "Bus:FullyQualifiedNamespace"]);
        }

        if (ServiceClients.Contains(app))
        {
            keys.AddRange(["Auth:ClientId", "Auth:ClientSecret"]);
        }

        if (app == "identity")
        {
            keys.AddRange(["Identity:PublicBaseUrl", "Identity:SigningKeyId"]);
        }

        return keys;
    }
}
