using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.IntegrationTests.Identity.IssuingTokens;

[Collection(ServicesCollection.Name)]
public sealed class PublishingKeysTests(ServicesFixture services)
{
    [Fact]
    public async Task OpenIdConfiguration_PointsToJwksWithOneRsaPublicKey()
    {
        // Given the identity service's OpenID configuration
        using var identity = services.ClientFor(ServicesFixture.Identity);
        var metadata = await identity.GetFromJsonAsync<JsonElement>("auth/.well-known/openid-configuration");
        Assert.Equal(Jwt.Issuer, metadata.GetProperty("issuer").GetString());
        var jwksUri = new Uri(metadata.GetProperty("jwks_uri").GetString()!);

        // When the JWKS it names is fetched
        using var response = await identity.GetAsync(jwksUri);

        // Then it publishes exactly one RSA signing key, public parts only
        var jwks = await response.ReadOkAsync<JsonElement>();
        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray().ToList());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.False(string.IsNullOrEmpty(key.GetProperty("n").GetString()));
        Assert.False(string.IsNullOrEmpty(key.GetProperty("e").GetString()));
        Assert.False(key.TryGetProperty("d", out _));
        Assert.False(key.TryGetProperty("p", out _));
    }

    [Fact]
    public async Task IssuedToken_NamesThePublishedKey()
    {
        // Given a token issued to bob
        var token = await services.TokenAsync("bob");

        // When the JWKS is read
        using var identity = services.ClientFor(ServicesFixture.Identity);
        var jwks = await identity.GetFromJsonAsync<JsonElement>("auth/jwks");

        // Then the token's kid is the published key's kid
        var kid = jwks.GetProperty("keys")[0].GetProperty("kid").GetString();
        Assert.Equal(kid, Jwt.Header(token).GetProperty("kid").GetString());
    }

    [Fact]
    public async Task PublicBaseUrl_NamesJwksAndTokenEndpoint_InsteadOfTheRequestHost()
    {
        using var identity = services.ClientFor(ServicesFixture.Identity);
        try
        {
            // Given the config store sets the public address (Azure: the API Management gateway)
            await services.WriteSettingsAsync(new { Identity = new { PublicBaseUrl = "https://shop.example.test/" } });

            // When the OpenID configuration is read over the identity service's own loopback address
            var metadata = await MetadataUntilAsync(identity, m => m.GetProperty("jwks_uri").GetString()!.StartsWith("https://", StringComparison.Ordinal));

            // Then its addresses are the public ones, not the host the request came to
            Assert.Equal("https://shop.example.test/auth/jwks", metadata.GetProperty("jwks_uri").GetString());
            Assert.Equal("https://shop.example.test/auth/token", metadata.GetProperty("token_endpoint").GetString());
        }
        finally
        {
            // And without it, the request's address again (local mode; the other tests' default)
            await services.WriteSettingsAsync(new { });
            var local = await MetadataUntilAsync(identity, m => m.GetProperty("jwks_uri").GetString()!.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
            Assert.Equal($"{services.AddressOf(ServicesFixture.Identity)}auth/jwks", local.GetProperty("jwks_uri").GetString());
        }
    }

    /// <summary>Reads the metadata until the config store's change is seen (the file watcher reloads within seconds).</summary>
    private static async Task<JsonElement> MetadataUntilAsync(HttpClient identity, Func<JsonElement, bool> seen)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var metadata = await identity.GetFromJsonAsync<JsonElement>("auth/.well-known/openid-configuration");
            if (seen(metadata) || clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                return metadata;
            }

            await Task.Delay(100);
        }
    }
}
