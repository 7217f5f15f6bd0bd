using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Azure.Core;

namespace Serverless.BuildingBlocks.Configuration;

/// <summary>Turns a Key Vault reference into the secret's value.</summary>
public interface ISecretResolver
{
    Task<string> ResolveAsync(Uri secretUri, CancellationToken cancellationToken);
}

/// <summary>
/// Key Vault's REST API (<c>GET {secretUri}?api-version=7.4</c>) with the same identity as the store.
/// A versionless reference resolves to the secret's current version on every reload.
/// </summary>
public sealed class KeyVaultSecretResolver : ISecretResolver, IDisposable
{
    public const string Scope = "https://vault.azure.net/.default";
    private const string ApiVersion = "7.4";

    private readonly HttpClient _http;

    public KeyVaultSecretResolver(TokenCredential credential, TimeProvider? clock = null)
    {
        _http = AzureRestClient.Create(credential, Scope, clock);
    }

    public async Task<string> ResolveAsync(Uri secretUri, CancellationToken cancellationToken)
    {
        var request = new UriBuilder(secretUri) { Query = "api-version=" + ApiVersion }.Uri;
        using var response = await _http.GetAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var secret = await response.Content.ReadFromJsonAsync<SecretBundle>(cancellationToken);
        return secret?.Value ?? throw new InvalidOperationException($"Key Vault returned no value for {secretUri}.");
    }

    public void Dispose() => _http.Dispose();

    private sealed record SecretBundle([property: JsonPropertyName("value")] string? Value);
}
