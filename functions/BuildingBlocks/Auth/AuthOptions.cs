namespace Serverless.BuildingBlocks.Auth;

public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string Issuer { get; set; } = "serverless-shop";
    public string Audience { get; set; } = "serverless-shop-api";

    /// <summary>The identity service's OpenID configuration, from which the JWKS is read; by logical name.</summary>
    public string? MetadataAddress { get; set; } = "https+http://identity/auth/.well-known/openid-configuration";

    /// <summary>This service's own client id and secret for service-to-service calls (local dev key).</summary>
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
