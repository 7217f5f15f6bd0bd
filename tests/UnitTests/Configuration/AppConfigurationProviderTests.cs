using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Configuration;

namespace Serverless.UnitTests.Configuration;

public sealed class AppConfigurationProviderTests
{
    private const string Sentinel = "Sentinel";
    private const string Secret = "p@ss-7f3c9e-never-log-me";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly ManualClock _clock = new();
    private readonly CapturedLogs _logs = new();

    [Fact]
    public async Task Load_LabelledValue_OverridesTheUnlabelledOne()
    {
        // Given one key under no label, Production and Staging
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.Set("Shipping:SupportedCountries", "DE");
        store.Set("Shipping:SupportedCountries", "KR,US", label: "Production");
        store.Set("Shipping:SupportedCountries", "GB", label: "Staging");

        // When loading the Production label
        using var config = Build(store);

        // Then Production's value wins, read with a token for the store's scope
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
        Assert.Contains($"{store.Endpoint.GetLeftPart(UriPartial.Authority)}/.default", store.Credential.Scopes);
        Assert.Equal(0, store.UnauthorizedResponses);
    }

    [Fact]
    public async Task Load_UnlabelledOnlyKey_IsPresent()
    {
        // Given a key that has only an unlabelled value
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.Set("Orders:MaxItems", "20");
        store.Set("Shipping:SupportedCountries", "KR,US", label: "Production");

        // When loading the Production label
        using var config = Build(store);

        // Then the unlabelled base value is there next to Production's
        Assert.Equal("20", config["Orders:MaxItems"]);
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
    }

    [Fact]
    public async Task Load_KeyOnlyInAnotherLabel_IsAbsent()
    {
        // Given a key that exists only for Staging
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.Set("Orders:MaxItems", "5", label: "Staging");
        store.Set("Shipping:SupportedCountries", "DE");

        // When loading the Production label
        using var config = Build(store);

        // Then Staging's key is left out
        Assert.Null(config["Orders:MaxItems"]);
        Assert.Equal("DE", config["Shipping:SupportedCountries"]);
    }

    [Fact]
    public async Task Load_WithoutLabel_ReadsTheUnlabelledKeysOnce()
    {
        // Given a labelled and an unlabelled value of one key
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.Set("Shipping:SupportedCountries", "KR,US", label: "Production");
        store.Set("Shipping:SupportedCountries", "DE");

        // When loading with no label
        using var config = Build(store, o => o.Label = null);

        // Then the unlabelled value is there, from a single listing
        Assert.Equal("DE", config["Shipping:SupportedCountries"]);
        Assert.Equal(1, store.ListRequests);
    }

    [Fact]
    public async Task Load_WithoutUnlabelled_ReadsOnlyTheLabel()
    {
        // Given an unlabelled-only key and a key under Production
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.Set("Orders:MaxItems", "20");
        store.Set("Shipping:SupportedCountries", "DE");
        store.Set("Shipping:SupportedCountries", "KR,US", label: "Production");

        // When loading Production without the unlabelled base
        using var config = Build(store, o => o.IncludeUnlabelled = false);

        // Then only Production's key-values are there
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
        Assert.Null(config["Orders:MaxItems"]);
    }

    [Fact]
    public async Task KeyPrefix_LimitsTheKeys_ButNotTheFeatureFlags()
    {
        // Given keys of two services and a feature flag
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.Set("Shipping:SupportedCountries", "KR,US", label: "Production");
        store.Set("Orders:MaxItems", "5", label: "Production");
        store.SetFeatureFlag("Beta", enabled: true, label: "Production");

        // When loading only Shipping's keys
        using var config = Build(store, o => o.KeyPrefix = "Shipping:");

        // Then Orders' key is left out and the flag is still there
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
        Assert.Null(config["Orders:MaxItems"]);
        Assert.Equal("true", config["FeatureManagement:Beta"]);
    }

    [Fact]
    public async Task FeatureFlags_AreSurfacedInTheFeatureManagementSection()
    {
        // Given an enabled flag, a disabled one and one behind a percentage filter
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.SetFeatureFlag("Beta", enabled: true, label: "Production");
        store.SetFeatureFlag("Legacy", enabled: false, label: "Production");
        store.SetFeatureFlag("Canary", enabled: true, label: "Production",
            clientFilters: """[{"name":"Microsoft.Percentage","parameters":{"Value":50}}]""");

        // When loaded
        using var config = Build(store);

        // Then they read as Microsoft.FeatureManagement's FeatureManagement section, not as raw keys
        Assert.Equal("true", config["FeatureManagement:Beta"]);
        Assert.Equal("false", config["FeatureManagement:Legacy"]);
        Assert.Equal("Microsoft.Percentage", config["FeatureManagement:Canary:EnabledFor:0:Name"]);
        Assert.Equal("50", config["FeatureManagement:Canary:EnabledFor:0:Parameters:Value"]);
        Assert.Null(config[".appconfig.featureflag/Beta"]);
    }

    [Fact]
    public async Task FeatureFlags_LabelledFlag_ReplacesTheUnlabelledOneWhole()
    {
        // Given an unlabelled Canary behind a filter that Production turns fully on, an unlabelled-only Beta,
        // and a Legacy flag only Staging has
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.SetFeatureFlag("Canary", enabled: true,
            clientFilters: """[{"name":"Microsoft.Percentage","parameters":{"Value":50}}]""");
        store.SetFeatureFlag("Canary", enabled: true, label: "Production");
        store.SetFeatureFlag("Beta", enabled: true);
        store.SetFeatureFlag("Legacy", enabled: true, label: "Staging");

        // When loading the Production label
        using var config = Build(store);

        // Then Production's Canary wins with none of the base's filter left over, Beta comes from the base,
        // and Staging's flag is not there
        Assert.Equal("true", config["FeatureManagement:Canary"]);
        Assert.Empty(config.GetSection("FeatureManagement:Canary").GetChildren());
        Assert.Equal("true", config["FeatureManagement:Beta"]);
        Assert.Null(config["FeatureManagement:Legacy"]);
    }

    [Fact]
    public async Task KeyVaultReference_IsResolvedToTheSecretValue()
    {
        // Given a Key Vault reference to a secret
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.SetSecret("orders-db-password", Secret);
        store.SetKeyVaultReference("Orders:DbPassword", "orders-db-password", label: "Production");

        // When loaded
        using var config = Build(store);

        // Then the setting holds the secret, fetched with a Key Vault token
        Assert.Equal(Secret, config["Orders:DbPassword"]);
        Assert.Contains(KeyVaultSecretResolver.Scope, store.Credential.Scopes);
    }

    [Fact]
    public async Task KeyVaultReference_LabelledOne_OverridesTheUnlabelledOne()
    {
        // Given an unlabelled reference to a secret that does not exist, overridden by Production's
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.SetSecret("orders-db-password", Secret);
        store.SetKeyVaultReference("Orders:DbPassword", "missing-secret");
        store.SetKeyVaultReference("Orders:DbPassword", "orders-db-password", label: "Production");

        // When loaded
        using var config = Build(store);

        // Then the setting holds Production's secret; the overridden reference was never resolved
        Assert.Equal(Secret, config["Orders:DbPassword"]);
    }

    [Fact]
    public async Task UnchangedSentinel_Gets304_AndDoesNotReload()
    {
        // Given a loaded provider
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        var reloads = CountReloads(config);
        var lists = store.ListRequests;

        // When the interval passes with nothing changed
        _clock.Advance(Interval);
        var reloaded = await Provider(config).TryRefreshAsync();

        // Then the store answered 304 and nothing was listed or reloaded
        Assert.False(reloaded);
        Assert.Equal(1, store.NotModifiedResponses);
        Assert.Equal(lists, store.ListRequests);
        Assert.Equal(0, reloads());
    }

    [Fact]
    public async Task ChangedSentinel_RefreshesValues_WithoutANewProvider()
    {
        // Given a loaded provider
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        var reloads = CountReloads(config);

        // When a value changes, the sentinel is bumped and the interval passes
        store.Set("Shipping:SupportedCountries", "KR,US,JP", label: "Production");
        store.Set(Sentinel, "2", label: "Production");
        _clock.Advance(Interval);
        var reloaded = await Provider(config).TryRefreshAsync();

        // Then the same configuration shows the new value and its reload token fired
        Assert.True(reloaded);
        Assert.Equal("KR,US,JP", config["Shipping:SupportedCountries"]);
        Assert.Equal(1, reloads());
    }

    [Fact]
    public async Task ChangedSentinel_PicksUpAChangedUnlabelledBaseValue()
    {
        // Given a loaded provider with an unlabelled base value
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        store.Set("Orders:MaxItems", "20");
        using var config = Build(store);

        // When the base value changes along with an unlabelled sentinel, which is not the one watched
        store.Set("Orders:MaxItems", "25");
        store.Set(Sentinel, "2");
        _clock.Advance(Interval);

        // Then nothing reloads
        Assert.False(await Provider(config).TryRefreshAsync());
        Assert.Equal("20", config["Orders:MaxItems"]);

        // And once Production's sentinel is bumped the next refresh picks the new base value up
        store.Set(Sentinel, "2", label: "Production");
        _clock.Advance(Interval);
        Assert.True(await Provider(config).TryRefreshAsync());
        Assert.Equal("25", config["Orders:MaxItems"]);
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
    }

    [Fact]
    public async Task BeforeTheInterval_TheStoreIsNotAsked()
    {
        // Given a loaded provider and a change in the store
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        var checks = store.SingleKeyRequests;
        store.Set(Sentinel, "2", label: "Production");

        // When refreshing before the interval has passed
        _clock.Advance(Interval - TimeSpan.FromSeconds(1));
        var reloaded = await Provider(config).TryRefreshAsync();

        // Then the sentinel was not even checked
        Assert.False(reloaded);
        Assert.Equal(checks, store.SingleKeyRequests);
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
    }

    [Fact]
    public async Task UnreachableStore_KeepsTheLastGoodValues()
    {
        // Given a loaded provider whose store then goes away
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        await store.StopAsync();

        // When refreshing
        _clock.Advance(Interval);
        var reloaded = await Provider(config).TryRefreshAsync();

        // Then nothing is thrown, the values stay and a warning says why
        Assert.False(reloaded);
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
        Assert.Equal(Secret, config["Orders:DbPassword"]);
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("refresh failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailedReload_KeepsTheLastGoodValues_AndRetriesLater()
    {
        // Given a changed sentinel but a Key Vault reference that cannot be resolved
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        store.Set("Shipping:SupportedCountries", "KR,US,JP", label: "Production");
        store.SetKeyVaultReference("Orders:DbPassword", "missing-secret", label: "Production");
        store.Set(Sentinel, "2", label: "Production");

        // When refreshing
        _clock.Advance(Interval);
        var failed = await Provider(config).TryRefreshAsync();

        // Then no partial update happened
        Assert.False(failed);
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);

        // And once the secret exists the next refresh picks the change up
        store.SetSecret("missing-secret", "rotated");
        _clock.Advance(Interval);
        Assert.True(await Provider(config).TryRefreshAsync());
        Assert.Equal("KR,US,JP", config["Shipping:SupportedCountries"]);
        Assert.Equal("rotated", config["Orders:DbPassword"]);
    }

    [Fact]
    public async Task SecretValues_NeverAppearInLogs()
    {
        // Given a provider whose store holds a secret, logging at every level
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);

        // When it loads, reloads after a change, and fails to refresh
        store.Set(Sentinel, "2", label: "Production");
        _clock.Advance(Interval);
        Assert.True(await Provider(config).TryRefreshAsync());
        await store.StopAsync();
        _clock.Advance(Interval);
        Assert.False(await Provider(config).TryRefreshAsync());

        // Then there were logs of each, and none holds the secret
        Assert.Equal(Secret, config["Orders:DbPassword"]);
        Assert.Contains(_logs.Lines, l => l.Text.Contains("loaded", StringComparison.Ordinal));
        Assert.Contains(_logs.Lines, l => l.Text.Contains("reloaded", StringComparison.Ordinal));
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning);
        Assert.DoesNotContain(_logs.Lines, l => l.Text.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ManyKeys_AreReadPageByPage_FollowingNextLink()
    {
        // Given five keys and a store serving two per page
        await using var store = await FakeAppConfigurationStore.StartAsync();
        store.PageSize = 2;
        for (var i = 1; i <= 5; i++)
        {
            store.Set($"Paging:Key{i}", $"value{i}", label: "Production");
        }

        // When loaded
        using var config = Build(store);

        // Then all five arrived, over three pages of Production and one (empty) of unlabelled keys
        Assert.Equal(["value1", "value2", "value3", "value4", "value5"],
            config.GetSection("Paging").GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value));
        Assert.Equal(4, store.ListRequests);
    }

    [Fact]
    public async Task RequestRefresh_ReturnsWithoutWaitingForTheStore()
    {
        // Given a changed sentinel and a store that does not answer yet
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        using var config = Build(store);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(_logs));
        var refresher = new AppConfigurationRefresher(config, loggers);
        var reloaded = new TaskCompletionSource();
        config.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null);
        store.Set("Shipping:SupportedCountries", "KR,US,JP", label: "Production");
        store.Set(Sentinel, "2", label: "Production");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.SingleKeyGate = gate;
        _clock.Advance(Interval);

        try
        {
            // When two requests ask for a refresh
            var requests = Task.Run(() =>
            {
                refresher.RequestRefresh();
                refresher.RequestRefresh();
            });

            // Then both returned while the store was still silent, with the old value in place
            Assert.Same(requests, await Task.WhenAny(requests, Task.Delay(TimeSpan.FromSeconds(5))));
            Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
        }
        finally
        {
            gate.SetResult();
        }

        // And once the store answers, the new value arrives in the background, from a single check
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("KR,US,JP", config["Shipping:SupportedCountries"]);
        Assert.Equal(2, store.SingleKeyRequests);
    }

    [Fact]
    public async Task UnreachableStoreAtStartup_FailsTheHost_UnlessOptional()
    {
        // Given a store that is not running
        var store = await FakeAppConfigurationStore.StartAsync();
        await store.StopAsync();
        await store.DisposeAsync();

        // When building the configuration; Then it fails, or, when optional, starts empty
        Assert.ThrowsAny<HttpRequestException>(() => Build(store).Dispose());
        using var config = Build(store, o => o.Optional = true);
        Assert.Empty(config.AsEnumerable());
    }

    [Fact]
    public async Task OptionalStore_FailingAtStartup_LoadsAtTheFirstRefreshThatReachesIt()
    {
        // Given an optional store whose sentinel answers at startup but whose key listing fails
        await using var store = await FakeAppConfigurationStore.StartAsync();
        Seed(store);
        store.FailLists = true;
        using var config = Build(store, o => o.Optional = true);
        Assert.Null(config["Shipping:SupportedCountries"]);

        // When the store recovers and the interval passes, with the sentinel unchanged
        store.FailLists = false;
        _clock.Advance(Interval);

        // Then the first refresh loads everything all the same
        Assert.True(await Provider(config).TryRefreshAsync());
        Assert.Equal("KR,US", config["Shipping:SupportedCountries"]);
        Assert.Equal(Secret, config["Orders:DbPassword"]);
    }

    private ConfigurationRoot Build(FakeAppConfigurationStore store, Action<AppConfigurationOptions>? configure = null)
    {
        var options = new AppConfigurationOptions
        {
            Endpoint = store.Endpoint,
            Label = "Production",
            SentinelKey = Sentinel,
            RefreshInterval = Interval,
        };
        configure?.Invoke(options);
        var loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        var source = new AppConfigurationSource(options, store.Credential) { Clock = _clock, LoggerFactory = loggers };
        return (ConfigurationRoot)new ConfigurationBuilder().Add(source).Build();
    }

    private static void Seed(FakeAppConfigurationStore store)
    {
        store.Set("Shipping:SupportedCountries", "KR,US", label: "Production");
        store.SetSecret("orders-db-password", Secret);
        store.SetKeyVaultReference("Orders:DbPassword", "orders-db-password", label: "Production");
        store.Set(Sentinel, "1", label: "Production");
    }

    private static AppConfigurationProvider Provider(ConfigurationRoot config) =>
        config.Providers.OfType<AppConfigurationProvider>().Single();

    private static Func<int> CountReloads(ConfigurationRoot config)
    {
        var count = 0;
        Microsoft.Extensions.Primitives.ChangeToken.OnChange(config.GetReloadToken, () => Interlocked.Increment(ref count));
        return () => Volatile.Read(ref count);
    }
}
