using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.BuildingBlocks.Auth;

/// <summary>Where a service gets the keys that tokens must be signed with.</summary>
public interface ISigningKeySource
{
    Task<IReadOnlyCollection<SecurityKey>> GetKeysAsync(bool refresh, CancellationToken cancellationToken);
}

/// <summary>The identity service's published JWKS, read through its OpenID configuration and cached.</summary>
public sealed class JwksSigningKeySource : ISigningKeySource
{
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;

    /// <summary>The HTTP client (with service discovery) the JWKS is read with.</summary>
    public const string Client = "jwks";

    public JwksSigningKeySource(IOptions<AuthOptions> options, IHttpClientFactory httpClients)
    {
        var address = options.Value.MetadataAddress
            ?? throw new InvalidOperationException("Auth:MetadataAddress is not configured.");
        var retriever = new HttpDocumentRetriever(httpClients.CreateClient(Client)) { RequireHttps = address.StartsWith("https://", StringComparison.OrdinalIgnoreCase) };
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(address, new OpenIdConnectConfigurationRetriever(), retriever)
        {
            AutomaticRefreshInterval = TimeSpan.FromHours(1),
            RefreshInterval = TimeSpan.FromSeconds(10),
        };
    }

    public async Task<IReadOnlyCollection<SecurityKey>> GetKeysAsync(bool refresh, CancellationToken cancellationToken)
    {
        if (refresh)
        {
            _configuration.RequestRefresh();
        }

        var configuration = await _configuration.GetConfigurationAsync(cancellationToken);
        return configuration.SigningKeys.ToList();
    }
}
