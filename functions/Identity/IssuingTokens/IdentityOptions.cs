namespace Serverless.Identity.IssuingTokens;

public sealed class IdentityOptions
{
    public const string Section = "Identity";

    /// <summary>Local demo users (local mode only): name -> hashed password and role.</summary>
    public Dictionary<string, UserEntry> Users { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Services allowed to get a token of their own: client id -> hashed secret.</summary>
    public Dictionary<string, ClientEntry> Clients { get; init; } = new(StringComparer.Ordinal);

    public int TokenLifetimeSeconds { get; set; } = 3600;
}

public sealed class UserEntry
{
    public string PasswordHash { get; set; } = "";
    public string Role { get; set; } = "customer";
}

public sealed class ClientEntry
{
    public string SecretHash { get; set; } = "";
}
