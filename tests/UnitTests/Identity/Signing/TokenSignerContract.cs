using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.Identity.IssuingTokens;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.UnitTests.Identity.Signing;

/// <summary>What every <see cref="ITokenSigner"/> adapter must do; one subclass per adapter.</summary>
public abstract class TokenSignerContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    protected ITokenSigner Signer { get; set; } = null!;

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    [Fact]
    public async Task Token_ValidatesWithJsonWebTokenHandler_AgainstThePublishedKey()
    {
        // Given a token for the orders client, signed by the adapter
        var token = await JwsToken.CreateAsync(Claims("orders", "service", "inventory.reserve payments.charge"), Signer, CancellationToken.None);

        // When it is validated as every service does, with the key the JWKS publishes
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, Parameters(await Signer.PublicKeyAsync(CancellationToken.None)));

        // Then it is valid and says who and what
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(("orders", "service", "inventory.reserve payments.charge"),
            ((string)result.Claims["sub"], (string)result.Claims["role"], (string)result.Claims["scope"]));
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal(("RS256", "JWT"), (jwt.Alg, jwt.Typ));
        Assert.Equal((await Signer.PublicKeyAsync(CancellationToken.None)).Kid, jwt.Kid);
    }

    [Fact]
    public async Task Token_IsRejected_ByAnotherKeyWithTheSameKid()
    {
        // Given a token signed by the adapter, and another RSA key published under the same kid
        var token = await JwsToken.CreateAsync(Claims("alice", "customer", null), Signer, CancellationToken.None);
        using var other = RSA.Create(2048);
        var p = other.ExportParameters(false);
        var impostor = PublicJwk.Rsa(p.Modulus!, p.Exponent!);
        impostor.Kid = (await Signer.PublicKeyAsync(CancellationToken.None)).Kid;

        // When it is validated against that key; Then the signature does not hold
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, Parameters(impostor));
        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidSignatureException>(result.Exception);
    }

    [Fact]
    public async Task PublicKey_IsAnRs256SigningKey_WithoutPrivateParts_NamedByItsThumbprint()
    {
        var jwk = await Signer.PublicKeyAsync(CancellationToken.None);

        Assert.Equal(("RSA", "RS256", "sig"), (jwk.Kty, jwk.Alg, jwk.Use));
        Assert.False(jwk.HasPrivateKey);
        Assert.Null(jwk.D);
        Assert.Equal(256, Base64UrlEncoder.DecodeBytes(jwk.N).Length);
        Assert.Equal(Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()), jwk.Kid);
    }

    private static TokenClaims Claims(string subject, string role, string? scope) =>
        new("serverless-shop", "serverless-shop-api", subject, role, scope, Now, Now.AddMinutes(5));

    private static TokenValidationParameters Parameters(SecurityKey key) => new()
    {
        ValidIssuer = "serverless-shop",
        ValidAudience = "serverless-shop-api",
        IssuerSigningKeys = [key],
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
    };
}
