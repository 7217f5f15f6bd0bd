using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Serverless.Identity.IssuingTokens;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.UnitTests.Identity.Signing;

/// <summary>The Key Vault adapter against <see cref="FakeKeyVaultKeys"/>, a local stand-in for Key Vault's keys REST API.</summary>
public sealed class KeyVaultTokenSignerTests : TokenSignerContract
{
    private FakeKeyVaultKeys _vault = null!;

    public override async Task InitializeAsync()
    {
        _vault = await FakeKeyVaultKeys.StartAsync();
        Signer = new KeyVaultTokenSigner(_vault.KeyId, _vault.Credential);
    }

    public override async Task DisposeAsync()
    {
        ((IDisposable)Signer).Dispose();
        await _vault.DisposeAsync();
    }

    [Fact]
    public async Task PublicKey_IsTheVaultKeysPublicPart_ReadOnce()
    {
        // Given the vault's key; When the JWKS is served and tokens are signed several times
        var first = await Signer.PublicKeyAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await JwsToken.CreateAsync(new TokenClaims("i", "a", "s", "customer", null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(1)), Signer, CancellationToken.None);
        }

        // Then the public key is the vault key's (without the vault's leading zero), read from the vault once, and each signature is the vault's
        Assert.Equal(_vault.Key.ExportParameters(false).Modulus, Base64UrlEncoder.DecodeBytes(first.N));
        Assert.Equal(1, _vault.KeyReads);
        Assert.Equal(3, _vault.Signs);
        Assert.Contains("https://vault.azure.net/.default", _vault.Credential.Scopes);
    }

    [Fact]
    public async Task Signature_IsTheVaults_OverTheSha256OfTheSigningInput()
    {
        // Given some JWS signing input
        var input = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9"u8.ToArray();

        // When the adapter signs it
        var signature = await Signer.SignAsync(input, CancellationToken.None);

        // Then it verifies with the vault's key as RS256 over exactly that input
        Assert.True(_vault.Key.VerifyData(input, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task KeyIdOutsideTheConfiguredKey_IsRefused_AndNothingIsSigned()
    {
        // Given a vault whose answer names a key somewhere else
        _vault.KidOverride = "https://elsewhere.example/keys/token-signing/1";

        // When the adapter is asked to sign; Then it refuses rather than send its bearer token there
        await Assert.ThrowsAsync<InvalidOperationException>(() => Signer.SignAsync([1, 2, 3], CancellationToken.None));
        Assert.Equal(0, _vault.Signs);
    }
}
