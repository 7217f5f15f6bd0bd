using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.Identity.IssuingTokens;

/// <summary>What a token says: who (<c>sub</c>, <c>role</c>), for a service client what it may do (<c>scope</c>), and when it is valid.</summary>
public sealed record TokenClaims(string Issuer, string Audience, string Subject, string Role, string? Scope, DateTimeOffset IssuedAt, DateTimeOffset Expires);

/// <summary>
/// A compact JWS (RFC 7515) signed with RS256: <c>base64url(header).base64url(payload).base64url(signature)</c>.
/// Assembled here rather than by a token handler so the signature can come from a remote key (Key Vault).
/// </summary>
public static class JwsToken
{
    public static async Task<string> CreateAsync(TokenClaims claims, ITokenSigner signer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(signer);
        var key = await signer.PublicKeyAsync(cancellationToken);
        var header = Json(w =>
        {
            w.WriteString("alg", SecurityAlgorithms.RsaSha256);
            w.WriteString("kid", key.Kid);
            w.WriteString("typ", "JWT");
        });
        var payload = Json(w =>
        {
            w.WriteString("iss", claims.Issuer);
            w.WriteString("aud", claims.Audience);
            w.WriteString("sub", claims.Subject);
            w.WriteString("role", claims.Role);
            if (!string.IsNullOrEmpty(claims.Scope))
            {
                w.WriteString("scope", claims.Scope);
            }

            w.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
            w.WriteNumber("nbf", claims.IssuedAt.ToUnixTimeSeconds());
            w.WriteNumber("exp", claims.Expires.ToUnixTimeSeconds());
        });
        var signingInput = $"{Base64UrlEncoder.Encode(header)}.{Base64UrlEncoder.Encode(payload)}";
        var signature = await signer.SignAsync(Encoding.ASCII.GetBytes(signingInput), cancellationToken);
        return $"{signingInput}.{Base64UrlEncoder.Encode(signature)}";
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
