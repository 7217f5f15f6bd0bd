using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using Microsoft.Azure.Cosmos;

namespace Serverless.BuildingBlocks.Storage.Cosmos;

public sealed class CosmosOptions
{
    public const string Section = "Cosmos";

    public string? Endpoint { get; set; }

    /// <summary>The account key: set for the local server, null in Azure (managed identity).</summary>
    public string? Key { get; set; }

    /// <summary>Prefixed to every database name, so several environments or test runs can share one account.</summary>
    public string DatabasePrefix { get; set; } = "";
}

public static class CosmosClientFactory
{
    /// <summary>
    /// A client for the local server (a key is set: Gateway mode over plain http, pinned to the endpoint)
    /// or for Azure (no key: Entra ID, Direct mode). Documents are (de)serialized with System.Text.Json's
    /// web defaults (camelCase) in both.
    /// </summary>
    public static CosmosClient Create(CosmosOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.Endpoint))
        {
            throw new InvalidOperationException($"{CosmosOptions.Section}:{nameof(CosmosOptions.Endpoint)} is not set.");
        }

        var clientOptions = new CosmosClientOptions
        {
            UseSystemTextJsonSerializerWithOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web),
            // 429s are retried by the SDK with the service's retry-after, up to these limits.
            MaxRetryAttemptsOnRateLimitedRequests = 9,
            MaxRetryWaitTimeOnRateLimitedRequests = TimeSpan.FromSeconds(30),
        };

        if (string.IsNullOrEmpty(options.Key))
        {
            clientOptions.ConnectionMode = ConnectionMode.Direct;
            return new CosmosClient(options.Endpoint, credential ?? new DefaultAzureCredential(), clientOptions);
        }

        // The local server speaks the gateway protocol only, on the one endpoint it is given (its account
        // document's locations are not to be followed); connections are kept open between requests.
        clientOptions.ConnectionMode = ConnectionMode.Gateway;
        clientOptions.LimitToEndpoint = true;
        clientOptions.HttpClientFactory = () => new HttpClient(
            new SocketsHttpHandler
            {
                // Below the server's keep-alive timeout (120 s), so the client never reuses a connection the server closed.
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
                MaxConnectionsPerServer = 64,
            },
            disposeHandler: true);
        return new CosmosClient(options.Endpoint, options.Key, clientOptions);
    }
}
