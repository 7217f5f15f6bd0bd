namespace Serverless.BuildingBlocks.Configuration;

/// <summary>Which Azure App Configuration store to read, which slice of it, and how often to look for changes.</summary>
public sealed class AppConfigurationOptions
{
    public const string Section = "AppConfiguration";

    /// <summary>The store, e.g. <c>https://appcs-xyz.azconfig.io</c>. Unset means: no App Configuration (local runs).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The label to load, usually the environment name; null loads the key-values that have no label.</summary>
    public string? Label { get; set; }

    /// <summary>The key whose change triggers a reload of everything; null turns refresh off.</summary>
    public string? SentinelKey { get; set; }

    /// <summary>The sentinel is checked at most this often.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Load only keys starting with this prefix (feature flags are loaded whatever it is).</summary>
    public string? KeyPrefix { get; set; }

    /// <summary>When true, an unreachable store at startup leaves this source empty instead of failing the host.</summary>
    public bool Optional { get; set; }
}
