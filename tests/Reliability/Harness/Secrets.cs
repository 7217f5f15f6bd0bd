using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Serverless.Reliability;

/// <summary>The secrets a running local system holds, to prove that none of them shows in a log line or an error body.</summary>
public static partial class Secrets
{
    /// <summary>Azurite's well-known development account key (public, but a key all the same: never in a log).</summary>
    public const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Anything shaped like a signed JWT (header.payload.signature, base64url JSON objects).</summary>
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")]
    public static partial Regex TokenShape();

    /// <summary>
    /// The given access tokens and their signatures, the demo users' passwords and hashes, the client secrets and
    /// their hashes, the Azurite and Cosmos keys and a line of the signing key: every one of 8 characters or more.
    /// </summary>
    public static async Task<List<(string Name, string Value)>> OfAsync(AppHostProcess host, IEnumerable<string> tokens)
    {
        var secrets = new List<(string Name, string Value)>();
        foreach (var token in tokens)
        {
            var sub = new JsonWebToken(token).Subject;
            secrets.Add(($"{sub}'s access token", token));
            secrets.Add(($"{sub}'s token signature", token.Split('.')[2]));
        }

        secrets.AddRange(new[] { "alice", "bob", "admin" }.Select(u => ($"{u}'s password", u + "-password")));
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AppHostProcess.RepoRoot(), "functions", "AppHost", "appsettings.json")));
        var root = settings.RootElement;
        foreach (var client in root.GetProperty("LocalHost").GetProperty("ClientSecrets").EnumerateObject())
        {
            secrets.Add(($"client secret of {client.Name}", client.Value.GetString()!));
        }

        foreach (var user in root.GetProperty("Identity").GetProperty("Users").EnumerateObject())
        {
            secrets.Add(($"PasswordHash of {user.Name}", user.Value.GetProperty("PasswordHash").GetString()!));
        }

        foreach (var client in root.GetProperty("Identity").GetProperty("Clients").EnumerateObject())
        {
            secrets.Add(($"SecretHash of {client.Name}", client.Value.GetProperty("SecretHash").GetString()!));
        }

        secrets.Add(("the Azurite account key", AzuriteKey));
        secrets.Add(("the Cosmos key", host.CosmosKey));
        var pem = Directory.EnumerateFiles(host.DataDirectory, "signing-key.pem", SearchOption.AllDirectories).FirstOrDefault();
        if (pem is not null)
        {
            var lines = (await File.ReadAllLinesAsync(pem)).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
            secrets.Add(("the signing key", lines[lines.Count / 2]));
        }

        return secrets.Where(s => s.Value.Length >= 8).ToList();
    }

    public static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

}
