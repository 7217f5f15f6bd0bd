using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Azure.Core;
using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Configuration;

namespace Serverless.Identity.IssuingTokens.Signing;

/// <summary>
/// Azure: a Key Vault RSA key, through Key Vault's REST API with the app's managed identity
/// (the Azure.Security.KeyVault.Keys package is not available here). <c>GET {key}?api-version=7.4</c>
/// reads the public part once (cached for the process: a new key version is picked up on restart);
/// <c>POST {key}/{version}/sign</c> signs a SHA-256 digest inside the vault, so the private key never
/// leaves it. The app needs the "Key Vault Crypto User" role on the key.
/// </summary>
public sealed class KeyVaultTokenSigner : ITokenSigner, IDisposable
{
    private const string ApiVersion = "api-version=7.4";

    private readonly Uri _keyId;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private VaultKey? _key;

    /// <param name="keyId">The versionless key identifier, <c>https://{vault}.vault.azure.net/keys/{name}</c>.</param>
    public KeyVaultTokenSigner(Uri keyId, TokenCredential credential, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        _keyId = new Uri(keyId.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        _http = AzureRestClient.Create(credential, KeyVaultSecretResolver.Scope, clock);
    }

    public async Task<JsonWebKey> PublicKeyAsync(CancellationToken cancellationToken) => (await KeyAsync(cancellationToken)).Public;

    public async Task<byte[]> SignAsync(byte[] signingInput, CancellationToken cancellationToken)
    {
        var key = await KeyAsync(cancellationToken);
        var digest = Base64UrlEncoder.Encode(SHA256.HashData(signingInput));
        using var response = await _http.PostAsJsonAsync(new Uri($"{key.VersionedId}/sign?{ApiVersion}"), new SignRequest("RS256", digest), cancellationToken);
        response.EnsureSuccessStatusCode();
        var result = await response.Content.ReadFromJsonAsync<SignResult>(cancellationToken);
        return Base64UrlEncoder.DecodeBytes(result?.Value ?? throw new InvalidOperationException($"Key Vault returned no signature from {key.VersionedId}."));
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    private async Task<VaultKey> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_key is { } again)
            {
                return again;
            }

            using var response = await _http.GetAsync(new Uri($"{_keyId}?{ApiVersion}"), cancellationToken);
            response.EnsureSuccessStatusCode();
            var bundle = await response.Content.ReadFromJsonAsync<KeyBundle>(cancellationToken);
            var key = bundle?.Key;
            if (key?.Kid is null || key.N is null || key.E is null || key.Kty is not ("RSA" or "RSA-HSM"))
            {
                throw new InvalidOperationException($"{_keyId} is not an RSA key.");
            }

            // The bearer token goes to the key's own versioned address only, never to a host the answer names.
            if (!key.Kid.StartsWith(_keyId.AbsoluteUri + "/", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"Key Vault answered for {_keyId} with a key id outside it.");
            }

            _key = new VaultKey(key.Kid, PublicJwk.Rsa(Base64UrlEncoder.DecodeBytes(key.N), Base64UrlEncoder.DecodeBytes(key.E)));
            return _key;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record VaultKey(string VersionedId, JsonWebKey Public);

    private sealed record KeyBundle([property: JsonPropertyName("key")] VaultJwk? Key);

    private sealed record VaultJwk(
        [property: JsonPropertyName("kid")] string? Kid,
        [property: JsonPropertyName("kty")] string? Kty,
        [property: JsonPropertyName("n")] string? N,
        [property: JsonPropertyName("e")] string? E);

    private sealed record SignRequest([property: JsonPropertyName("alg")] string Alg, [property: JsonPropertyName("value")] string Value);

    private sealed record SignResult([property: JsonPropertyName("value")] string? Value);
}
