using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.IntegrationTests.Identity;

/// <summary>Reads and forges JWTs the way an attacker (or a second issuer) would.</summary>
public static class Jwt
{
    public const string Issuer = "serverless-shop";
    public const string Audience = "serverless-shop-api";

    public static JsonElement Header(string token) => Part(token, 0);

    public static JsonElement Payload(string token) => Part(token, 1);

    /// <summary>An RS256 token; with <paramref name="expires"/> null it has no <c>exp</c> at all.</summary>
    public static string Sign(
        SecurityKey key, string subject, string role, string issuer = Issuer, string audience = Audience,
        DateTime? notBefore = null, DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore ?? now,
            NotBefore = notBefore ?? now,
            Expires = expires,
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = subject, ["role"] = role },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) whose claims are otherwise perfect.</summary>
    public static string Unsigned(string subject, string role)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = JsonSerializer.Serialize(new { alg = "none", typ = "JWT" });
        var payload = JsonSerializer.Serialize(new { iss = Issuer, aud = Audience, sub = subject, role, iat = now, nbf = now, exp = now + 3600 });
        return $"{Base64UrlEncoder.Encode(header)}.{Base64UrlEncoder.Encode(payload)}.";
    }

    /// <summary>The private key identity created in its data folder, with the kid its JWKS publishes.</summary>
    public static RsaSecurityKey RealKey(ServicesFixture services, string kid)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(Path.Combine(services.DataDirectory, "identity", "signing-key.pem")));
        return new RsaSecurityKey(rsa) { KeyId = kid };
    }

    public static RsaSecurityKey NewKey(string kid) => new(RSA.Create(2048)) { KeyId = kid };

    private static JsonElement Part(string token, int index) =>
        JsonSerializer.Deserialize<JsonElement>(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(token.Split('.')[index])));
}
