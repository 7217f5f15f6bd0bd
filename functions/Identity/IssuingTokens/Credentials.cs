using System.Security.Cryptography;
using System.Text;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.Identity.IssuingTokens;

/// <summary>
/// Checks a password or client secret against a configured entry: a PBKDF2 hash (local configuration,
/// safe to commit) or the plain value (Azure: an app setting that is a Key Vault reference, resolved by
/// the platform). Plain values are compared in constant time.
/// </summary>
public static class Credentials
{
    /// <summary>The hash wins when both are set; with neither, nothing matches.</summary>
    public static bool Match(string given, string? hash, string? plain)
    {
        ArgumentNullException.ThrowIfNull(given);
        if (!string.IsNullOrEmpty(hash))
        {
            return PasswordHash.Verify(given, hash);
        }

        return !string.IsNullOrEmpty(plain) && !AzureSettings.IsUnresolvedKeyVaultReference(plain) && FixedTimeEquals(given, plain);
    }

    /// <summary>Equal strings, in time that depends on neither value nor length: both are hashed to 32 bytes first.</summary>
    public static bool FixedTimeEquals(string given, string expected)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(expected);
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
