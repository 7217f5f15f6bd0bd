using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Auth;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.Identity.IssuingTokens;

public sealed record IssuedToken(string AccessToken, string TokenType, int ExpiresIn);

/// <summary>Checks credentials and issues RS256 JWTs carrying <c>sub</c> and <c>role</c>, and for a service client its <c>scope</c>.</summary>
public sealed class TokenIssuer(ITokenSigner signer, IOptionsMonitor<IdentityOptions> identity, IOptions<AuthOptions> auth, TimeProvider clock)
{
    public async Task<IssuedToken?> ForUserAsync(string username, string password, CancellationToken cancellationToken)
    {
        if (identity.CurrentValue.User(username) is not { } user)
        {
            return null;
        }

        return Credentials.Match(password, user.PasswordHash, user.Password)
            ? await IssueAsync(username, user.Role, scope: null, cancellationToken)
            : null;
    }

    public async Task<IssuedToken?> ForClientAsync(string clientId, string clientSecret, CancellationToken cancellationToken)
    {
        if (identity.CurrentValue.Client(clientId) is not { } client)
        {
            return null;
        }

        return Credentials.Match(clientSecret, client.SecretHash, client.Secret)
            ? await IssueAsync(clientId, Roles.Service, string.Join(' ', ServiceScope.Parse(client.Scopes)), cancellationToken)
            : null;
    }

    private async Task<IssuedToken> IssueAsync(string subject, string role, string? scope, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var lifetime = identity.CurrentValue.TokenLifetimeSeconds;
        var claims = new TokenClaims(auth.Value.Issuer, auth.Value.Audience, subject, role, scope, now, now.AddSeconds(lifetime));
        return new IssuedToken(await JwsToken.CreateAsync(claims, signer, cancellationToken), "Bearer", lifetime);
    }
}
