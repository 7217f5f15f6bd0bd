using Azure.Core;

namespace Serverless.BuildingBlocks.Configuration;

/// <summary>
/// Adds an Entra ID token for one scope to every request, renewing it five minutes before it expires.
/// Tokens only travel over HTTPS, or to loopback for local emulators and tests.
/// </summary>
internal sealed class BearerTokenHandler(TokenCredential credential, string scope, TimeProvider clock) : DelegatingHandler
{
    private static readonly TimeSpan RenewEarly = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private CachedToken? _token;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no address.");
        if (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
        {
            throw new InvalidOperationException($"Refusing to send a bearer token over {uri.Scheme} to {uri.Host}.");
        }

        request.Headers.Authorization = new("Bearer", await GetTokenAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }

    private async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_token is { } cached && clock.GetUtcNow() < cached.RenewAt)
        {
            return cached.Value;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_token is { } again && clock.GetUtcNow() < again.RenewAt)
            {
                return again.Value;
            }

            var token = await credential.GetTokenAsync(new TokenRequestContext([scope]), cancellationToken);
            _token = new CachedToken(token.Token, token.ExpiresOn - RenewEarly);
            return token.Token;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed record CachedToken(string Value, DateTimeOffset RenewAt);
}

/// <summary>The HttpClient every Azure REST call here uses (App Configuration, Key Vault secrets and keys): an Entra ID token for one scope on each request, a 10 s timeout.</summary>
public static class AzureRestClient
{
    public static HttpClient Create(TokenCredential credential, string scope, TimeProvider? clock = null) =>
        new(new BearerTokenHandler(credential, scope, clock ?? TimeProvider.System) { InnerHandler = new SocketsHttpHandler() })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
}
