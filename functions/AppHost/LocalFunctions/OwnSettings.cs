using Microsoft.Extensions.Primitives;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.AppHost.LocalFunctions;

/// <summary>
/// One app's view of the local host's configuration: everything but the secrets of others, as in Azure,
/// where each Function App has only its own settings. Identity alone sees the users' passwords, the
/// clients' secrets and its signing key; a service client sees only its own dev secret; the Cosmos key
/// only the apps that store data. The view is live: a reload of the shared configuration reaches it.
/// </summary>
public static class OwnSettings
{
    private const string Identity = "identity";

    /// <summary>Secret keys (<c>*</c> is one segment, handed to the rule) and who may read them.</summary>
    private static readonly (string[] Pattern, Func<string, string?, bool> MayRead)[] Secrets =
    [
        (["LocalHost", "ClientSecrets", "*"], (app, client) => Same(app, client)),
        (["Identity", "Users", "*", "Password"], (app, _) => Same(app, Identity)),
        (["Identity", "Users", "*", "PasswordHash"], (app, _) => Same(app, Identity)),
        (["Identity", "Clients", "*", "Secret"], (app, _) => Same(app, Identity)),
        (["Identity", "Clients", "*", "SecretHash"], (app, _) => Same(app, Identity)),
        (["Identity", "SigningKeyId"], (app, _) => Same(app, Identity)),
        (["Cosmos", "Key"], (app, _) => AzureSettings.StorageApps.Any(storing => Same(app, storing))),
    ];

    /// <summary>Whether <paramref name="app"/> may read <paramref name="key"/> (a configuration path) or anything under it.</summary>
    public static bool IsVisibleTo(string app, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var segments = key.Split(ConfigurationPath.KeyDelimiter);
        foreach (var (pattern, mayRead) in Secrets)
        {
            if (segments.Length >= pattern.Length && Matches(pattern, segments, out var wildcard) && !mayRead(app, wildcard))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The configuration <paramref name="app"/> gets: <paramref name="configuration"/> without others' secrets.</summary>
    public static IConfigurationRoot For(string app, IConfiguration configuration) =>
        new ConfigurationBuilder().Add(Source(app, configuration)).Build();

    /// <summary>As <see cref="For"/>, as a source to add to a builder.</summary>
    public static IConfigurationSource Source(string app, IConfiguration configuration) => new FilteredSource(app, configuration);

    private static bool Matches(string[] pattern, string[] segments, out string? wildcard)
    {
        wildcard = null;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == "*")
            {
                wildcard = segments[i];
            }
            else if (!string.Equals(pattern[i], segments[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    // App Service setting names have '_' for '-' (order_history), so both spellings name the same app.
    private static bool Same(string app, string? other) =>
        other is not null && string.Equals(AzureSettings.SettingName(app), AzureSettings.SettingName(other), StringComparison.OrdinalIgnoreCase);

    private sealed class FilteredSource(string app, IConfiguration inner) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new FilteredProvider(app, inner);
    }

    /// <summary>As the chained provider <c>AddConfiguration</c> adds, but blind to the keys the app may not read.</summary>
    private sealed class FilteredProvider(string app, IConfiguration inner) : IConfigurationProvider
    {
        public bool TryGet(string key, out string? value)
        {
            value = IsVisibleTo(app, key) ? inner[key] : null;
            return value is not null;
        }

        public void Set(string key, string? value)
        {
            if (IsVisibleTo(app, key))
            {
                inner[key] = value;
            }
        }

        public IChangeToken GetReloadToken() => inner.GetReloadToken();

        public void Load()
        {
        }

        public IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
        {
            var section = parentPath is null ? inner : inner.GetSection(parentPath);
            var keys = section.GetChildren().Where(child => IsVisibleTo(app, child.Path)).Select(child => child.Key).ToList();
            keys.AddRange(earlierKeys);
            keys.Sort(ConfigurationKeyComparer.Instance);
            return keys;
        }
    }
}
