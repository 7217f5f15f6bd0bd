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
    private const string DecoyPlain = "decoy-secret-that-nobody-has";
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> DecoyHashes = new();

    /// <summary>The hash wins when both are set; with neither, nothing matches.</summary>
    public static bool Match(string given, string? hash, string? plain) => Match(given, hash, plain, PasswordHash.Verify);

    /// <summary>As <see cref="Match(string, string?, string?)"/>, with the hash checked by <paramref name="verify"/>.</summary>
    public static bool Match(string given, string? hash, string? plain, PasswordVerifier verify)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(verify);
        if (!string.IsNullOrEmpty(hash))
        {
            return verify(given, hash);
        }

        return !string.IsNullOrEmpty(plain) && !AzureSettings.IsUnresolvedKeyVaultReference(plain) && FixedTimeEquals(given, plain);
    }

    /// <summary>
    /// The entry an unknown name is checked against, so that it costs what a known name's check costs: a fixed
    /// PBKDF2 hash with the iteration count of the configured hashes (the highest, <see cref="PasswordHash.DefaultIterations"/>
    /// when none), or, when none of the configured entries is hashed (Azure: plain values from Key Vault), a plain value.
    /// No password matches it: its salt and hash are random, made once per iteration count.
    /// </summary>
    public static (string? Hash, string? Plain) Decoy(IEnumerable<string?> configuredHashes)
    {
        ArgumentNullException.ThrowIfNull(configuredHashes);
        var hashed = configuredHashes.Where(h => !string.IsNullOrEmpty(h)).ToList();
        if (hashed.Count == 0 && configuredHashes.Any())
        {
            return (null, DecoyPlain);
        }

        var iterations = hashed.Select(PasswordHash.IterationsOf).DefaultIfEmpty(PasswordHash.DefaultIterations).Max();
        return (DecoyHashes.GetOrAdd(iterations, n => PasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), n)), null);
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
