using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Auth;
using Serverless.Identity.IssuingTokens;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.UnitTests.Identity;

/// <summary>The identity service configured as in Azure: plain credentials from Key Vault references, clients by their app-setting spelling.</summary>
public sealed class TokenIssuerTests : IDisposable
{
    private const string Reference = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/client-web-bff)";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "issuer-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly RsaKeyFileSigner _signer;
    private readonly TokenIssuer _issuer;

    public TokenIssuerTests()
    {
        _signer = RsaKeyFileSigner.LoadOrCreate(Path.Combine(_folder, "identity.db"));
        var options = new IdentityOptions();
        options.Users["alice"] = new UserEntry { Password = "generated-alice", Role = Roles.Customer };
        options.Clients["order_history"] = new ClientEntry { Secret = "generated-history", Scopes = "orders.feed payments.feed shipping.feed" };
        options.Clients["web-bff"] = new ClientEntry { Secret = Reference, Scopes = "payments.read" };
        _issuer = new TokenIssuer(_signer, new Fixed(options), Options.Create(new AuthOptions()), TimeProvider.System);
    }

    public void Dispose()
    {
        _signer.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ClientWithThePlainSecret_GetsATokenWithItsScopes()
    {
        var issued = await _issuer.ForClientAsync("order-history", "generated-history", CancellationToken.None);

        var claims = Jwt(issued!.AccessToken);
        Assert.Equal(("order-history", "service", "orders.feed payments.feed shipping.feed"), (claims["sub"], claims["role"], claims["scope"]));
    }

    [Theory]
    [InlineData("order-history", "generated-alice")]
    [InlineData("web-bff", Reference)]
    [InlineData("nobody", "generated-history")]
    public async Task WrongOrUnresolvedSecret_GetsNoToken(string clientId, string secret) =>
        Assert.Null(await _issuer.ForClientAsync(clientId, secret, CancellationToken.None));

    [Fact]
    public async Task UserWithThePlainPassword_GetsATokenWithoutScope()
    {
        var issued = await _issuer.ForUserAsync("alice", "generated-alice", CancellationToken.None);

        var claims = Jwt(issued!.AccessToken);
        Assert.Equal(("alice", "customer"), (claims["sub"], claims["role"]));
        Assert.False(claims.ContainsKey("scope"));
        Assert.Null(await _issuer.ForUserAsync("alice", "generated-alicE", CancellationToken.None));
    }

    private static Dictionary<string, string> Jwt(string token) =>
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Claims
            .Where(c => c.Type is "sub" or "role" or "scope").ToDictionary(c => c.Type, c => c.Value);

    private sealed class Fixed(IdentityOptions value) : IOptionsMonitor<IdentityOptions>
    {
        public IdentityOptions CurrentValue => value;

        public IdentityOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<IdentityOptions, string?> listener) => null;
    }
}
