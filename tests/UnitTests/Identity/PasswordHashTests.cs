using Serverless.Identity.IssuingTokens;

namespace Serverless.UnitTests.Identity;

public sealed class PasswordHashTests
{
    // Few iterations: the format and the check are what is under test, not the work factor.
    private static readonly string AliceHash = PasswordHash.Create("alice-password", iterations: 1_000);

    [Fact]
    public void RightPassword_Verifies()
    {
        // Given a hash of alice's password; When the same password is checked; Then it verifies
        Assert.True(PasswordHash.Verify("alice-password", AliceHash));
    }

    [Theory]
    [InlineData("alice-passwor")]
    [InlineData("Alice-password")]
    [InlineData("alice-password ")]
    [InlineData("")]
    public void WrongPassword_DoesNotVerify(string password)
    {
        // Given a hash of alice's password; When another password is checked; Then it does not verify
        Assert.False(PasswordHash.Verify(password, AliceHash));
    }

    [Fact]
    public void Create_UsesTheDocumentedFormat_WithAFreshSaltEachTime()
    {
        // Given the same password hashed twice
        var first = PasswordHash.Create("secret", iterations: 1_000);
        var second = PasswordHash.Create("secret", iterations: 1_000);

        // Then both read pbkdf2-sha256$iterations$salt$hash, differ (salted) and both verify
        var parts = first.Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal(("pbkdf2-sha256", "1000"), (parts[0], parts[1]));
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
        Assert.NotEqual(first, second);
        Assert.True(PasswordHash.Verify("secret", second));
    }

    [Fact]
    public void TamperedHash_DoesNotVerify()
    {
        // Given alice's hash with its iteration count changed
        var parts = AliceHash.Split('$');
        var tampered = string.Join('$', parts[0], "999", parts[2], parts[3]);

        // When the right password is checked against it; Then it does not verify
        Assert.False(PasswordHash.Verify("alice-password", tampered));
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice-password")]
    [InlineData("pbkdf2-sha256$1000$c2FsdA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdA==$aGFzaA==$extra")]
    [InlineData("bcrypt$1000$c2FsdA==$aGFzaA==")]
    [InlineData("PBKDF2-SHA256$1000$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$many$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$0$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$-5$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$99999999999$c2FsdA==$aGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$not base64!$aGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdA==$not base64!")]
    public void MalformedHash_ReturnsFalse_WithoutThrowing(string encoded)
    {
        // Given a stored hash that is not in the expected form; When any password is checked; Then it is simply false
        Assert.False(PasswordHash.Verify("alice-password", encoded));
    }

    [Theory]
    [InlineData("pbkdf2-sha256$1000$c2FsdA==$")]
    [InlineData("pbkdf2-sha256$1$$")]
    public void EmptyHashSegment_DoesNotAcceptAnyPassword(string encoded)
    {
        // Given a stored hash whose hash part is empty (a truncated or hand-edited record)
        // When an arbitrary password is checked against it
        var verified = PasswordHash.Verify("not-the-password", encoded);

        // Then it is rejected: a zero-length comparison must not count as a match
        Assert.False(verified);
    }
}
