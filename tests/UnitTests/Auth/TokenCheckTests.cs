using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Auth;

namespace Serverless.UnitTests.Auth;

/// <summary>A token that is not valid is the caller's fault (401); a token that cannot be checked, for want of signing keys, is not (503, retry).</summary>
public sealed class TokenCheckTests
{
    private static readonly RsaSecurityKey Key = new(RSA.Create(2048)) { KeyId = "k1" };

    [Fact]
    public async Task WithoutSigningKeys_TheAnswerIs503WithRetryAfter_Not401()
    {
        var validator = Validator(new Unreadable());
        var context = Request(Token(Key));

        var check = await validator.CheckAsync(Token(Key));
        var (caller, denied) = await validator.AuthorizeAsync(context.Request);

        Assert.Equal((null, true), (check.Caller, check.KeysUnavailable));
        Assert.Null(caller);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, ((ObjectResult)denied!).StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task WithSigningKeys_AForeignToken_Is401_AndAGoodOneIsTheCaller()
    {
        var validator = Validator(new Fixed(Key));
        var foreign = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k1" };

        var (_, denied) = await validator.AuthorizeAsync(Request(Token(foreign)).Request);
        var good = await validator.CheckAsync(Token(Key));

        Assert.Equal(StatusCodes.Status401Unauthorized, ((ObjectResult)denied!).StatusCode);
        Assert.Equal(("alice", false), (good.Caller?.Subject, good.KeysUnavailable));
    }

    private static TokenValidator Validator(ISigningKeySource keys) =>
        new(keys, Options.Create(new AuthOptions()), NullLogger<TokenValidator>.Instance);

    private static DefaultHttpContext Request(string token)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + token;
        return context;
    }

    private static string Token(SecurityKey key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = new AuthOptions().Issuer,
        Audience = new AuthOptions().Audience,
        Claims = new Dictionary<string, object> { ["sub"] = "alice", ["role"] = "customer" },
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
    });

    private sealed class Unreadable : ISigningKeySource
    {
        public Task<IReadOnlyCollection<SecurityKey>> GetKeysAsync(bool refresh, CancellationToken cancellationToken) =>
            throw new HttpRequestException("identity is down");
    }

    private sealed class Fixed(SecurityKey key) : ISigningKeySource
    {
        public Task<IReadOnlyCollection<SecurityKey>> GetKeysAsync(bool refresh, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyCollection<SecurityKey>>([key]);
    }
}
