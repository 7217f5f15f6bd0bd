namespace Serverless.BuildingBlocks.Configuration;

/// <summary>Which Azure App Configuration store to read, which slice of it, and how often to look for changes.</summary>
public sealed class AppConfigurationOptions
{
    public const string Section = "AppConfiguration";

    /// <summary>The store, e.g. <c>https://appcs-xyz.azconfig.io</c>. Unset means: no App Configuration (local runs).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// The environment's label, e.g. <c>Production</c>. Its key-values (feature flags and Key Vault references
    /// included) override the unlabelled ones of the same key; null loads only the key-values that have no label.
    /// </summary>
    public string? Label { get; set; }

    /// <summary>
    /// Loads the key-values that have no label as the base under <see cref="Label"/> (the default). False loads
    /// <see cref="Label"/> alone; without a <see cref="Label"/> the unlabelled key-values are loaded either way.
    /// </summary>
    public bool IncludeUnlabelled { get; set; } = true;

    /// <summary>
    /// The key whose change triggers a reload of everything, the unlabelled base included. It is read under
    /// <see cref="Label"/> only (without a label when that is null); null turns refresh off.
    /// </summary>
    public string? SentinelKey { get; set; }

    /// <summary>The sentinel is checked at most this often.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Load only keys starting with this prefix (feature flags are loaded whatever it is).</summary>
    public string? KeyPrefix { get; set; }

    /// <summary>When true, an unreachable store at startup leaves this source empty instead of failing the host.</summary>
    public bool Optional { get; set; }

    /// <summary>The labels to load, base first; a later label's key-value wins over an earlier one's (null is no label).</summary>
    internal IReadOnlyList<string?> LabelsInOrder() =>
        Label is null ? [null] : IncludeUnlabelled ? [null, Label] : [Label];
}
