using System.Text.Json;
using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Serverless.BuildingBlocks.Configuration;

/// <summary>Azure App Configuration as a configuration source, read over its REST API.</summary>
public sealed class AppConfigurationSource(AppConfigurationOptions options, TokenCredential credential) : IConfigurationSource
{
    public AppConfigurationOptions Options { get; } = options;

    public TokenCredential Credential { get; } = credential;

    /// <summary>Resolves Key Vault references; by default Key Vault's REST API with <see cref="Credential"/>.</summary>
    public ISecretResolver? Secrets { get; init; }

    /// <summary>Where the provider logs until the host's logger takes over (see <see cref="AppConfigurationRefresher"/>).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new AppConfigurationProvider(this);
}

/// <summary>
/// Loads the store's unlabelled key-values with the environment's label on top at startup (the only time it
/// blocks), then reloads them when the sentinel key's ETag changes. A failed refresh keeps the last good values.
/// Values are never logged.
/// </summary>
public sealed class AppConfigurationProvider : ConfigurationProvider, IDisposable
{
    private const string KeyVaultReference = "application/vnd.microsoft.appconfig.keyvaultref+json";

    private readonly AppConfigurationOptions _options;
    private readonly AppConfigurationClient _client;
    private readonly ISecretResolver _secrets;
    private readonly IDisposable? _ownedSecrets;
    private readonly TimeProvider _clock;
    private ILogger _logger;
    private string? _sentinelETag;
    private bool _loaded;
    private long _nextRefreshTicks;
    private int _refreshing;

    internal AppConfigurationProvider(AppConfigurationSource source)
    {
        _options = source.Options;
        var endpoint = _options.Endpoint ?? throw new InvalidOperationException($"{AppConfigurationOptions.Section}:Endpoint is not configured.");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.RefreshInterval, TimeSpan.Zero);
        _clock = source.Clock;
        _client = new AppConfigurationClient(endpoint, source.Credential, _clock);
        if (source.Secrets is null)
        {
            var keyVault = new KeyVaultSecretResolver(source.Credential, _clock);
            _secrets = keyVault;
            _ownedSecrets = keyVault;
        }
        else
        {
            _secrets = source.Secrets;
        }

        _logger = source.LoggerFactory?.CreateLogger<AppConfigurationProvider>() ?? NullLogger<AppConfigurationProvider>.Instance;
    }

    /// <summary>Whether <see cref="TryRefreshAsync"/> would look at the store now.</summary>
    internal bool RefreshDue => _options.SentinelKey is not null && !Waiting && Volatile.Read(ref _refreshing) == 0;

    private bool Waiting => _clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _nextRefreshTicks);

    private void ScheduleNextCheck() =>
        Interlocked.Exchange(ref _nextRefreshTicks, (_clock.GetUtcNow() + _options.RefreshInterval).UtcTicks);

    /// <summary>Blocking, so only at startup (building the configuration).</summary>
    public override void Load()
    {
        try
        {
            LoadAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (_options.Optional && ex is not OutOfMemoryException)
        {
            _logger.LogWarning("App Configuration {Endpoint} could not be loaded at startup ({Error}); continuing without it",
                _options.Endpoint, Describe(ex));
        }
        finally
        {
            ScheduleNextCheck();
        }
    }

    /// <summary>
    /// Checks the sentinel if the refresh interval has passed and no other refresh is running; reloads
    /// everything when it changed. Returns whether values were reloaded. Never throws: on failure the last
    /// good values stay.
    /// </summary>
    public async Task<bool> TryRefreshAsync(CancellationToken cancellationToken = default)
    {
        if (_options.SentinelKey is not { } sentinel || Waiting || Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return false;
        }

        try
        {
            var check = await _client.CheckAsync(sentinel, _options.Label, _sentinelETag, cancellationToken);
            // An optional store that was down at startup loads at the first check that reaches it.
            if (!check.Changed && _loaded)
            {
                return false;
            }

            Data = await ReadAllAsync(cancellationToken);
            _sentinelETag = check.ETag;
            _loaded = true;
            _logger.LogInformation("App Configuration {Endpoint} reloaded: sentinel {SentinelKey} changed", _options.Endpoint, sentinel);
            OnReload();
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning("App Configuration {Endpoint} refresh failed ({Error}); keeping the last good values",
                _options.Endpoint, Describe(ex));
            return false;
        }
        finally
        {
            ScheduleNextCheck();
            Volatile.Write(ref _refreshing, 0);
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _ownedSecrets?.Dispose();
    }

    /// <summary>The host's logger, once there is a host.</summary>
    internal void UseLogger(ILogger logger) => _logger = logger;

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        // The sentinel's ETag is read before the values, so a change made in between is seen at the next refresh.
        if (_options.SentinelKey is { } sentinel)
        {
            _sentinelETag = (await _client.CheckAsync(sentinel, _options.Label, knownETag: null, cancellationToken)).ETag;
        }

        Data = await ReadAllAsync(cancellationToken);
        _loaded = true;
        _logger.LogInformation("App Configuration {Endpoint} loaded {Count} settings for labels {Labels}",
            _options.Endpoint, Data.Count, string.Join(" then ", _options.LabelsInOrder().Select(l => l ?? "(none)")));
    }

    private async Task<Dictionary<string, string?>> ReadAllAsync(CancellationToken cancellationToken)
    {
        string[] keyFilters = _options.KeyPrefix is { Length: > 0 } prefix
            ? [AppConfigurationClient.EscapeFilter(prefix) + "*", FeatureFlags.KeyPrefix + "*"]
            : ["*"];

        // The overlay is by store key, before flags are expanded and references resolved: a labelled flag replaces
        // the unlabelled one whole (no filters left over), and an overridden reference is never resolved.
        var winners = new Dictionary<string, KeyValue>(StringComparer.Ordinal);
        foreach (var label in _options.LabelsInOrder())
        {
            foreach (var keyFilter in keyFilters)
            {
                foreach (var kv in await _client.ListAsync(keyFilter, label, cancellationToken))
                {
                    winners[kv.Key] = kv;
                }
            }
        }

        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in winners.Values)
        {
            if (FeatureFlags.IsFeatureFlag(kv))
            {
                foreach (var (key, value) in FeatureFlags.ToConfiguration(kv))
                {
                    data[key] = value;
                }
            }
            else if (kv.ContentType?.StartsWith(KeyVaultReference, StringComparison.OrdinalIgnoreCase) == true)
            {
                data[kv.Key] = await _secrets.ResolveAsync(SecretUri(kv), cancellationToken);
            }
            else
            {
                data[kv.Key] = kv.Value;
            }
        }

        return data;
    }

    private static Uri SecretUri(KeyValue kv)
    {
        using var json = JsonDocument.Parse(kv.Value ?? "{}");
        return json.RootElement.TryGetProperty("uri", out var uri) && Uri.TryCreate(uri.GetString(), UriKind.Absolute, out var secretUri)
            ? secretUri
            : throw new InvalidOperationException($"The Key Vault reference {kv.Key} has no valid uri.");
    }

    // Exception messages from parsers can quote the payload, so only the kind of failure is logged.
    private static string Describe(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: { } status } => $"HTTP {(int)status}",
        HttpRequestException http => $"{nameof(HttpRequestException)}: {http.HttpRequestError}",
        OperationCanceledException => "timed out",
        InvalidOperationException => ex.Message,
        _ => ex.GetType().Name,
    };
}
