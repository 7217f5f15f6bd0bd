using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Auth;

namespace Serverless.Identity.IssuingTokens;

public sealed record IssuedToken(string AccessToken, string TokenType, int ExpiresIn);

/// <summary>Checks credentials and issues signed JWTs carrying <c>sub</c> and <c>role</c>.</summary>
public sealed class TokenIssuer(SigningKeyStore keys, IOptionsMonitor<IdentityOptions> identity, IOptions<AuthOptions> auth, TimeProvider clock)
{
    private readonly JsonWebTokenHandler _handler = new();

    public IssuedToken? ForUser(string username, string password)
    {
        var users = identity.CurrentValue.Users;
        return users.TryGetValue(username, out var user) && PasswordHash.Verify(password, user.PasswordHash)
            ? Issue(username, user.Role)
            : null;
    }

    public IssuedToken? ForClient(string clientId, string clientSecret)
    {
        var clients = identity.CurrentValue.Clients;
        return clients.TryGetValue(clientId, out var client) && PasswordHash.Verify(clientSecret, client.SecretHash)
            ? Issue(clientId, Roles.Service)
            : null;
    }

    private IssuedToken Issue(string subject, string role)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var lifetime = identity.CurrentValue.TokenLifetimeSeconds;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Value.Issuer,
            Audience = auth.Value.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(lifetime),
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject), new Claim("role", role)]),
            SigningCredentials = keys.Credentials,
        });
        return new IssuedToken(token, "Bearer", lifetime);
    }
}
