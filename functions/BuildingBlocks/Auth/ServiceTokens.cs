using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace Serverless.BuildingBlocks.Auth;

/// <summary>
/// Gets and caches this service's own token from the identity service (client credentials).
/// In Azure the same role is played by the Function App's managed identity.
/// </summary>
public sealed class ServiceTokenProvider(IHttpClientFactory httpClients, IOptions<AuthOptions> options, TimeProvider clock)
{
    public const string IdentityClient = "identity";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _renewAt;

    public async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_token is not null && clock.GetUtcNow() < _renewAt)
        {
            return _token;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_token is not null && clock.GetUtcNow() < _renewAt)
            {
                return _token;
            }

            var o = options.Value;
            using var response = await httpClients.CreateClient(IdentityClient).PostAsJsonAsync(
                "auth/token", new { clientId = o.ClientId, clientSecret = o.ClientSecret }, cancellationToken);
            response.EnsureSuccessStatusCode();
            var issued = await response.Content.ReadFromJsonAsync<IssuedToken>(cancellationToken)
                ?? throw new InvalidOperationException("The identity service returned no token.");
            _token = issued.AccessToken;
            _renewAt = clock.GetUtcNow().AddSeconds(Math.Max(30, issued.ExpiresIn / 2));
            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed record IssuedToken(string AccessToken, int ExpiresIn);
}

/// <summary>Adds this service's bearer token to every outgoing service-to-service call.</summary>
public sealed class ServiceTokenHandler(ServiceTokenProvider tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new("Bearer", await tokens.GetTokenAsync(cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
