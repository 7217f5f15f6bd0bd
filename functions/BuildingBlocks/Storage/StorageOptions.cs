using Microsoft.Extensions.Configuration;

namespace Serverless.BuildingBlocks.Storage;

/// <summary>Which adapters a Function App's stores use: <c>Storage:Provider</c> = <c>sqlite</c> (local default) or <c>cosmos</c>.</summary>
public static class StorageOptions
{
    public const string ProviderKey = "Storage:Provider";
    public const string Sqlite = "sqlite";
    public const string Cosmos = "cosmos";

    public static string Provider(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[ProviderKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return Sqlite;
        }

        return value.Trim().ToLowerInvariant() switch
        {
            Sqlite => Sqlite,
            Cosmos => Cosmos,
            _ => throw new InvalidOperationException($"{ProviderKey} is '{value}'; use '{Sqlite}' or '{Cosmos}'."),
        };
    }

    public static bool UsesCosmos(IConfiguration configuration) => Provider(configuration) == Cosmos;
}
