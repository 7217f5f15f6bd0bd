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
            // The signing key, the public address, and every service client's secret and scopes (App Service setting
            // names allow no '-': identity finds the client 'order-history' under 'order_history').
            keys.AddRange(["Identity:PublicBaseUrl", "Identity:SigningKeyId"]);
            keys.AddRange(ServiceClients.SelectMany(client => new[]
            {
                $"Identity:Clients:{SettingName(client)}:Secret",
                $"Identity:Clients:{SettingName(client)}:Scopes",
            }));
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
        var missing = RequiredFor(app).Where(key => IsMissing(configuration[key])).ToList();
        if (app == "identity")
        {
            // A demo user whose password is an unresolved Key Vault reference could never sign in.
            missing.AddRange(configuration.GetSection("Identity:Users").GetChildren()
                .Where(user => string.IsNullOrEmpty(user["PasswordHash"]) && IsMissing(user["Password"]))
                .Select(user => $"Identity:Users:{user.Key}:Password"));
        }

        return missing;
    }

    /// <summary>An app setting's name for a logical name: App Service allows only letters, digits, '.' and '_' in names.</summary>
    public static string SettingName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Replace('-', '_');
    }

    /// <summary>
    /// When the platform cannot resolve a Key Vault reference it leaves the reference text as the value: no secret,
    /// so it must count as missing and never match a credential.
    /// </summary>
    public static bool IsUnresolvedKeyVaultReference(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsMissing(string? value) => string.IsNullOrWhiteSpace(value) || IsUnresolvedKeyVaultReference(value);

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

}
