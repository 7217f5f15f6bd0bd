using System.Net;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Cosmos;
using Serverless.BuildingBlocks.Storage.Cosmos;

namespace Serverless.IntegrationTests.Cosmos;

/// <summary>
/// One local Cosmos DB server (in memory, free port) for every test in the "cosmos" collection, and a client
/// made the way the services make theirs. Each test works in a fresh database and container of its own.
/// </summary>
public sealed class CosmosServerFixture : IAsyncLifetime
{
    private CosmosServerProcess? _server;
    private CosmosClient? _client;

    /// <summary>The account every test in the collection talks to: the local server, or the one <c>COSMOS_ENDPOINT</c> names.</summary>
    public CosmosOptions Account { get; private set; } = new();

    /// <summary>True when <c>COSMOS_ENDPOINT</c> (a real account or an emulator; key in <c>COSMOS_KEY</c>, else Entra ID) replaces the local server.</summary>
    public static bool UsesConfiguredAccount => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("COSMOS_ENDPOINT"));

    public CosmosClient Client => _client ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync()
    {
        if (UsesConfiguredAccount)
        {
            var key = Environment.GetEnvironmentVariable("COSMOS_KEY");
            Account = new CosmosOptions { Endpoint = Environment.GetEnvironmentVariable("COSMOS_ENDPOINT"), Key = string.IsNullOrWhiteSpace(key) ? null : key };
        }
        else
        {
            _server = await StartServerAsync(dataDirectory: null);
            Account = new CosmosOptions { Endpoint = _server.Options.Endpoint, Key = _server.Options.Key };
        }

        _client = CosmosClientFactory.Create(Account);
        // The first request loads the account and its caches: pay that here, not in the first test.
        _ = await _client.ReadAccountAsync();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Starts a server of a test's own (free port; journaled in <paramref name="dataDirectory"/> when given).</summary>
    public static Task<CosmosServerProcess> StartServerAsync(string? dataDirectory) =>
        CosmosServerProcess.EnsureRunningAsync(new CosmosServerOptions { Port = 0 }, LocalSystem.FindRepoRoot(), dataDirectory, NullLogger.Instance, CancellationToken.None);

    public static CosmosClient NewClient(CosmosServerOptions options) =>
        CosmosClientFactory.Create(new CosmosOptions { Endpoint = options.Endpoint, Key = options.Key });

    /// <summary>A new database with one new container partitioned on <paramref name="partitionKeyPath"/>.</summary>
    public Task<Container> CreateContainerAsync(string partitionKeyPath) => CreateContainerAsync(Client, partitionKeyPath);

    public static async Task<Container> CreateContainerAsync(CosmosClient client, string partitionKeyPath)
    {
        ArgumentNullException.ThrowIfNull(client);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        Database database = (await client.CreateDatabaseAsync("db-" + suffix)).Database;
        var response = await database.CreateContainerAsync(new ContainerProperties("c-" + suffix, partitionKeyPath));
        return response.StatusCode == HttpStatusCode.Created
            ? response.Container
            : throw new InvalidOperationException($"Creating a container answered {response.StatusCode}.");
    }
}

[CollectionDefinition("cosmos")]
public sealed class CosmosCollection : ICollectionFixture<CosmosServerFixture>;
