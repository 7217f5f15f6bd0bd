using Microsoft.Azure.Cosmos;

namespace Serverless.BuildingBlocks.Storage.Cosmos;

public sealed class CosmosOptions
{
    public const string Section = "Cosmos";

    public string? Endpoint { get; set; }

    /// <summary>The local server's or emulator's well-known key; null in Azure (managed identity).</summary>
    public string? Key { get; set; }

    public string DatabasePrefix { get; set; } = "";
}

/// <summary>Placeholder until the local-server work lands (replaced by that branch's factory).</summary>
public static class CosmosClientFactory
{
    public static CosmosClient Create(CosmosOptions options, Azure.Core.TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new CosmosClientOptions
        {
            ConnectionMode = options.Key is null ? ConnectionMode.Direct : ConnectionMode.Gateway,
            LimitToEndpoint = options.Key is not null,
            UseSystemTextJsonSerializerWithOptions = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web),
        };
        return options.Key is { Length: > 0 } key
            ? new CosmosClient(options.Endpoint, key, clientOptions)
            : new CosmosClient(options.Endpoint, credential ?? new Azure.Identity.DefaultAzureCredential(), clientOptions);
    }
}
