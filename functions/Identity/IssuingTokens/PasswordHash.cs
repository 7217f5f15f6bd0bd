using System.Security.Cryptography;
using System.Text;

namespace Serverless.Identity.IssuingTokens;

/// <summary>Checks a password against an encoded hash (<see cref="PasswordHash.Verify"/>; a test may count the calls).</summary>
public delegate bool PasswordVerifier(string password, string encodedHash);

/// <summary>PBKDF2-SHA256 hashes in the form <c>pbkdf2-sha256$iterations$salt$hash</c> (base64).</summary>
public static class PasswordHash
{
    private const string Scheme = "pbkdf2-sha256";

    public const int DefaultIterations = 100_000;

    public static string Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>The iteration count of an encoded hash; 0 when it is not one.</summary>
    public static int IterationsOf(string? encoded)
    {
        var parts = (encoded ?? "").Split('$');
        return parts.Length == 4 && parts[0] == Scheme && int.TryParse(parts[1], out var iterations) && iterations > 0 ? iterations : 0;
    }

    public static bool Verify(string password, string encoded)
    {
        var parts = encoded.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out var iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            if (salt.Length < 8 || expected.Length < 32)
            {
                return false; // a truncated or mistyped hash must refuse everyone, not accept anyone
            }

            var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
