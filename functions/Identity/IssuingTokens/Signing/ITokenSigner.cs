using Microsoft.IdentityModel.Tokens;

namespace Serverless.Identity.IssuingTokens.Signing;

/// <summary>
/// The key tokens are signed with (RS256). Locally an RSA key file in the data folder; in Azure a Key
/// Vault key, used through the vault so the private key never leaves it.
/// </summary>
public interface ITokenSigner
{
    /// <summary>The public key, as the JWKS publishes it: <c>kty</c> RSA, <c>alg</c> RS256, <c>use</c> sig, and the <c>kid</c> tokens name.</summary>
    Task<JsonWebKey> PublicKeyAsync(CancellationToken cancellationToken);

    /// <summary>The RS256 signature (RSASSA-PKCS1-v1_5 over SHA-256) of a JWS signing input.</summary>
    Task<byte[]> SignAsync(byte[] signingInput, CancellationToken cancellationToken);
}

public static class PublicJwk
{
    /// <summary>An RS256 signing JWK from an RSA public key; its <c>kid</c> is the RFC 7638 thumbprint, the same for the same key wherever it is kept.</summary>
    public static JsonWebKey Rsa(byte[] modulus, byte[] exponent)
    {
        var jwk = new JsonWebKey
        {
            Kty = JsonWebAlgorithmsKeyTypes.RSA,
            N = Base64UrlEncoder.Encode(Unsigned(modulus)),
            E = Base64UrlEncoder.Encode(Unsigned(exponent)),
            Use = JsonWebKeyUseNames.Sig,
            Alg = SecurityAlgorithms.RsaSha256,
        };
        jwk.Kid = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        return jwk;
    }

    /// <summary>Big-endian integers without leading zero bytes (a vault may send the modulus with one).</summary>
    private static byte[] Unsigned(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..];
    }
}
