using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Auth;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.Identity.IssuingTokens;

public sealed record IssuedToken(string AccessToken, string TokenType, int ExpiresIn);

/// <summary>Checks credentials and issues RS256 JWTs carrying <c>sub</c> and <c>role</c>, and for a service client its <c>scope</c>.</summary>
/// <remarks>
/// An unknown username or client id costs the same as a wrong password: it is checked against a decoy entry
/// of the same kind (<see cref="Credentials.Decoy"/>), so response time does not tell which names exist.
/// </remarks>
public sealed class TokenIssuer(ITokenSigner signer, IOptionsMonitor<IdentityOptions> identity, IOptions<AuthOptions> auth, TimeProvider clock,
    PasswordVerifier? verify = null)
{
    private readonly PasswordVerifier _verify = verify ?? PasswordHash.Verify;

    public async Task<IssuedToken?> ForUserAsync(string username, string password, CancellationToken cancellationToken)
    {
        var options = identity.CurrentValue;
        if (options.User(username) is not { } user)
        {
            var (hash, plain) = Credentials.Decoy(options.Users.Values.Select(u => u.PasswordHash));
            Credentials.Match(password, hash, plain, _verify); // the same work as a known name's check; never a match
            return null;
        }

        return Credentials.Match(password, user.PasswordHash, user.Password, _verify)
            ? await IssueAsync(username, user.Role, scope: null, cancellationToken)
            : null;
    }

    public async Task<IssuedToken?> ForClientAsync(string clientId, string clientSecret, CancellationToken cancellationToken)
    {
        var options = identity.CurrentValue;
        if (options.Client(clientId) is not { } client)
        {
            var (hash, plain) = Credentials.Decoy(options.Clients.Values.Select(c => c.SecretHash));
            Credentials.Match(clientSecret, hash, plain, _verify);
            return null;
        }

        return Credentials.Match(clientSecret, client.SecretHash, client.Secret, _verify)
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
