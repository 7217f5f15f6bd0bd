using Serverless.BuildingBlocks.Hosting;
using Serverless.Identity.IssuingTokens;

namespace Serverless.UnitTests.Identity;

public sealed class CredentialsTests
{
    private static readonly string Hash = PasswordHash.Create("alice-password", iterations: 1_000);

    [Fact]
    public void PlainSecret_Matches_OnlyTheSameString()
    {
        // Given a plain secret (Azure: resolved from a Key Vault reference)
        const string secret = "9f1c2b7e-4a5d-4c1e-8f3a-2b6d7e8f9a0b";

        // Then the same string matches and every near miss does not
        Assert.True(Credentials.Match(secret, hash: null, plain: secret));
        Assert.False(Credentials.Match(secret[..^1], hash: null, plain: secret));
        Assert.False(Credentials.Match(secret + "0", hash: null, plain: secret));
        Assert.False(Credentials.Match(secret.ToUpperInvariant(), hash: null, plain: secret));
        Assert.False(Credentials.Match("", hash: null, plain: secret));
    }

    [Fact]
    public void FixedTimeEquals_ComparesUtf8_OfAnyLength()
    {
        Assert.True(Credentials.FixedTimeEquals("비밀번호", "비밀번호"));
        Assert.False(Credentials.FixedTimeEquals("비밀번호", "비밀번"));
        Assert.False(Credentials.FixedTimeEquals("a", new string('a', 10_000)));
    }

    [Fact]
    public void Hash_WinsOverPlain_WhenBothAreSet()
    {
        Assert.True(Credentials.Match("alice-password", Hash, plain: "something-else"));
        Assert.False(Credentials.Match("something-else", Hash, plain: "something-else"));
    }

    [Fact]
    public void NoHashAndNoPlain_MatchesNothing_NotEvenEmpty()
    {
        Assert.False(Credentials.Match("", hash: null, plain: null));
        Assert.False(Credentials.Match("", hash: "", plain: ""));
    }

    [Fact]
    public void UnresolvedKeyVaultReference_NeverMatches_EvenItsOwnText()
    {
        // Given a reference the platform could not resolve (it leaves the text as the value)
        const string reference = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/client-web-bff)";

        // When someone who read the app settings sends that text; Then it does not match
        Assert.True(AzureSettings.IsUnresolvedKeyVaultReference(reference));
        Assert.False(Credentials.Match(reference, hash: null, plain: reference));
    }
}
