using Microsoft.IdentityModel.Tokens;

namespace Serverless.Identity.IssuingTokens;

/// <summary>The OpenID configuration document other services (and API Management) read the JWKS address from.</summary>
public static class IssuerMetadata
{
    /// <summary>
    /// Where the identity service is reached from outside: <c>Identity:PublicBaseUrl</c> when set (Azure:
    /// the API Management address; behind the Functions host the request's Host is a proxied loopback
    /// address nobody else can reach), else the address this request came to (local mode).
    /// </summary>
    public static string BaseUrl(string? publicBaseUrl, string requestScheme, string requestHost) =>
        string.IsNullOrWhiteSpace(publicBaseUrl) ? $"{requestScheme}://{requestHost}" : publicBaseUrl.Trim().TrimEnd('/');

    public static IReadOnlyDictionary<string, object> Document(string issuer, string baseUrl) => new Dictionary<string, object>
    {
        ["issuer"] = issuer,
        ["jwks_uri"] = $"{baseUrl}/auth/jwks",
        ["token_endpoint"] = $"{baseUrl}/auth/token",
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
        ["grant_types_supported"] = new[] { "password", "client_credentials" },
    };
}
