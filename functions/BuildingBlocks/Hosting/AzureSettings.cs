using Microsoft.Extensions.Configuration;

namespace Serverless.BuildingBlocks.Hosting;

/// <summary>
/// The settings each Function App reads when it runs in Azure (<c>Hosting:Target</c> = <c>azure</c>, set by the
/// Bicep). One table for two readers: the start-up check that fails fast naming a missing setting
/// (<see cref="ThrowIfIncomplete"/>, first line of every app's module), and the infra test that proves the Bicep
/// provides every one of them (app settings, App Configuration keys or Key Vault references).
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
            "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
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

    /// <summary>
    /// The keys of <paramref name="app"/> that <paramref name="configuration"/> lacks: not set, empty, or a Key Vault
    /// reference the platform could not resolve (App Service leaves <c>@Microsoft.KeyVault(...)</c> as the value then).
    /// </summary>
    public static IReadOnlyList<string> Missing(string app, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [.. RequiredFor(app).Where(key => configuration[key] is not { } value || string.IsNullOrWhiteSpace(value) || IsUnresolvedKeyVaultReference(value))];
    }

    /// <summary>
    /// In Azure mode, refuses to start <paramref name="app"/> without every setting it needs, naming all the missing
    /// ones in one message; a service that half works (a bus silently off, a saga that cannot get a token) is worse
    /// than one that does not start. Locally (any other <c>Hosting:Target</c>) it does nothing.
    /// </summary>
    public static void ThrowIfIncomplete(string app, IConfiguration configuration)
    {
        if (!IsAzure(configuration))
        {
            return;
        }

        var missing = Missing(app, configuration);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(MissingMessage(app, missing));
        }
    }

    public static string MissingMessage(string app, IReadOnlyList<string> missing) =>
        $"{app} cannot start in Azure: missing {string.Join(", ", missing)} — set them as app settings or App Configuration keys " +
        "(a Key Vault reference counts as missing until the app's identity can read the secret).";

    private static bool IsUnresolvedKeyVaultReference(string value) =>
        value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);
}
