using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Serverless.Identity.IssuingTokens;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.UnitTests.Identity;

public sealed class JwsTokenTests : IDisposable
{
    private static readonly DateTimeOffset IssuedAt = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "jws-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly RsaKeyFileSigner _signer;

    public JwsTokenTests() => _signer = RsaKeyFileSigner.LoadOrCreate(Path.Combine(_folder, "identity.db"));

    public void Dispose()
    {
        _signer.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ClientToken_HasTheStandardHeader_AndClaimsWithScope()
    {
        // Given the orders client's claims
        var claims = new TokenClaims("serverless-shop", "serverless-shop-api", "orders", "service", "inventory.reserve payments.charge", IssuedAt, IssuedAt.AddHours(1));

        // When the token is assembled
        var token = await JwsToken.CreateAsync(claims, _signer, CancellationToken.None);

        // Then it is three base64url parts: RS256 + kid + JWT header, and exactly the standard claims
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var header = Part(parts[0]);
        Assert.Equal(["alg", "kid", "typ"], header.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("RS256", (await _signer.PublicKeyAsync(CancellationToken.None)).Kid, "JWT"),
            (header.GetProperty("alg").GetString(), header.GetProperty("kid").GetString(), header.GetProperty("typ").GetString()));
        var payload = Part(parts[1]);
        Assert.Equal(["iss", "aud", "sub", "role", "scope", "iat", "nbf", "exp"], payload.EnumerateObject().Select(p => p.Name));
        Assert.Equal("inventory.reserve payments.charge", payload.GetProperty("scope").GetString());
        Assert.Equal(IssuedAt.ToUnixTimeSeconds(), payload.GetProperty("nbf").GetInt64());
        Assert.Equal(IssuedAt.AddHours(1).ToUnixTimeSeconds(), payload.GetProperty("exp").GetInt64());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task UserToken_HasNoScopeClaim(string? scope)
    {
        var claims = new TokenClaims("serverless-shop", "serverless-shop-api", "alice", "customer", scope, IssuedAt, IssuedAt.AddHours(1));

        var token = await JwsToken.CreateAsync(claims, _signer, CancellationToken.None);

        Assert.False(Part(token.Split('.')[1]).TryGetProperty("scope", out _));
    }

    private static JsonElement Part(string part) =>
        JsonSerializer.Deserialize<JsonElement>(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(part)));
}
