[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Serverless.EndToEndTests;

/// <summary>One running system shared by the end-to-end tests of the "system" collection (SQLite stores, the default).</summary>
public class SystemFixture : IAsyncLifetime
{
    public AppHostProcess Host { get; private set; } = null!;
    public ShopClient Shop { get; private set; } = null!;

    /// <summary>
    /// Settings the system is started with (environment variables, as a user would set them).
    /// <c>E2E_STORAGE_PROVIDER=cosmos dotnet test tests/EndToEndTests</c> runs the whole suite on Cosmos DB.
    /// </summary>
    protected virtual IDictionary<string, string>? Settings =>
        Environment.GetEnvironmentVariable("E2E_STORAGE_PROVIDER") is { Length: > 0 } provider
            ? new Dictionary<string, string> { ["Storage__Provider"] = provider }
            : null;

    public async Task InitializeAsync()
    {
        Host = await AppHostProcess.StartAsync(Settings);
        Shop = new ShopClient(Host.Gateway);
    }

    public async Task DisposeAsync()
    {
        Shop.Dispose();
        try
        {
            // The whole run's aggregated log, every component's lines: no secret of the system, nothing shaped like a token.
            var log = await Secrets.ReadSharedAsync(Host.AggregatedLogFile);
            var leaks = (await Secrets.OfAsync(Host, [])).Where(s => log.Contains(s.Value, StringComparison.Ordinal)).Select(s => s.Name).ToList();
            if (leaks.Count > 0 || Secrets.TokenShape().IsMatch(log))
            {
                throw new InvalidOperationException($"The run's aggregated log ({log.Length / 1024} KiB) holds secrets: {string.Join(", ", leaks)}{(Secrets.TokenShape().IsMatch(log) ? " and a token" : "")}.");
            }
        }
        finally
        {
            await Host.DisposeAsync();
        }
    }

    /// <summary>A SKU no other test uses.</summary>
    public static string NewSku(string prefix) => ShopClient.NewSku(prefix);
}

/// <summary>The whole system with every store on Cosmos DB: <c>Storage__Provider=cosmos</c>, the local Cosmos server started by the AppHost.</summary>
public sealed class CosmosSystemFixture : SystemFixture
{
    protected override IDictionary<string, string>? Settings => new Dictionary<string, string> { ["Storage__Provider"] = "cosmos" };
}

[CollectionDefinition("system")]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>;

[CollectionDefinition("system-cosmos")]
public sealed class CosmosSystemCollection : ICollectionFixture<CosmosSystemFixture>;
