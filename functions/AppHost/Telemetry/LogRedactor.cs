using System.Text.RegularExpressions;

namespace Serverless.AppHost.Telemetry;

/// <summary>
/// Takes secrets out of a log line before it is kept: bearer tokens and anything shaped like a JWT, the
/// values of key-like pairs in connection strings (<c>AccountKey=</c>, <c>Password=</c>, <c>sig=</c>, ...),
/// password hashes, and every configured secret value it was told about (<see cref="Add"/>).
/// </summary>
public sealed partial class LogRedactor
{
    public const string Mask = "[redacted]";

    /// <summary>Configuration keys whose values are secrets, by name.</summary>
    private static readonly string[] SecretKeyWords = ["secret", "password", "key", "connectionstring", "token", "hash"];

    private readonly Lock _gate = new();
    private string[] _values = [];

    /// <summary>
    /// Whether a configuration key names a secret (case-insensitive, ignoring '_', '-' and '.': CONNECTION_STRING too): its
    /// value is masked wherever it is shown, in a log line or in <c>GET /ops/config</c>.
    /// </summary>
    public static bool IsSecretKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var words = key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal);
        return SecretKeyWords.Any(word => words.Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Remembers the secret values of <paramref name="configuration"/> (keys per <see cref="IsSecretKey"/>, values of 8 characters or more).</summary>
    public void Add(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Add(configuration.AsEnumerable().Where(kv => IsSecretKey(kv.Key)).Select(kv => kv.Value));
    }

    public void Add(IEnumerable<string?> values)
    {
        lock (_gate)
        {
            _values = [.. _values.Concat(values.OfType<string>().Where(v => v.Length >= 8)).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
        }
    }

    public string Redact(string message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return message;
        }

        var values = _values;
        foreach (var value in values)
        {
            if (message.Contains(value, StringComparison.Ordinal))
            {
                message = message.Replace(value, Mask, StringComparison.Ordinal);
            }
        }

        message = Bearer().Replace(message, "Bearer " + Mask);
        message = Jwt().Replace(message, Mask);
        message = KeyValue().Replace(message, m => m.Groups["name"].Value + "=" + Mask);
        return PasswordHash().Replace(message, Mask);
    }

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")]
    private static partial Regex Jwt();

    [GeneratedRegex(@"(?<name>\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|ClientSecret|client_secret|Secret|sig|Key|access_token|refresh_token))=(?!\[redacted\])[^;&\s""']+", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"pbkdf2-sha256\$[^\s""',;]+")]
    private static partial Regex PasswordHash();
}
