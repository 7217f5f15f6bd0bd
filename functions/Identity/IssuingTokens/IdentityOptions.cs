namespace Serverless.Identity.IssuingTokens;

public sealed class IdentityOptions
{
    public const string Section = "Identity";

    /// <summary>Users: name -> password (a PBKDF2 hash locally, the plain value from Key Vault in Azure) and role.</summary>
    public Dictionary<string, UserEntry> Users { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Services allowed to get a token of their own: client id -> secret (hash or plain) and scopes.</summary>
    public Dictionary<string, ClientEntry> Clients { get; init; } = new(StringComparer.Ordinal);

    public int TokenLifetimeSeconds { get; set; } = 3600;

    /// <summary>The address other apps reach identity at (Azure: the API Management gateway); builds <c>jwks_uri</c> and <c>token_endpoint</c>. Unset: the request's own address.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The versionless Key Vault key id tokens are signed with. Unset: a local RSA key file.</summary>
    public string? SigningKeyId { get; set; }

    public UserEntry? User(string name) => Find(Users, name);

    public ClientEntry? Client(string clientId) => Find(Clients, clientId);

    /// <summary>
    /// An entry by its id, or by the id with <c>_</c> for <c>-</c>: App Service app setting names allow only
    /// letters, digits, periods and underscores, so in Azure client <c>order-history</c> is configured as
    /// <c>Identity__Clients__order_history__Secret</c>.
    /// </summary>
    private static T? Find<T>(Dictionary<string, T> entries, string id)
        where T : class =>
        entries.TryGetValue(id, out var entry) || entries.TryGetValue(id.Replace('-', '_'), out entry) ? entry : null;
}

public sealed class UserEntry
{
    public string? PasswordHash { get; set; }

    /// <summary>Azure: a Key Vault reference the platform resolves; compared in constant time.</summary>
    public string? Password { get; set; }

    public string Role { get; set; } = "customer";
}

public sealed class ClientEntry
{
    public string? SecretHash { get; set; }

    /// <summary>Azure: a Key Vault reference the platform resolves; compared in constant time.</summary>
    public string? Secret { get; set; }

    /// <summary>Space-separated <see cref="BuildingBlocks.Auth.ServiceScope"/> names this client's tokens carry.</summary>
    public string? Scopes { get; set; }
}
