namespace Serverless.BuildingBlocks.Auth;

public static class Roles
{
    public const string Customer = "customer";
    public const string Admin = "admin";

    /// <summary>Another service calling with its own identity (client credentials); what it may do is in its scopes.</summary>
    public const string Service = "service";
}

/// <summary>Who is calling, as the validated token says.</summary>
public sealed record Caller(string Subject, string Role)
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    /// <summary>A service client's scopes (the token's <c>scope</c> claim); users have none.</summary>
    public IReadOnlySet<string> Scopes { get; init; } = None;

    public bool IsAdmin => Role == Roles.Admin;
    public bool IsService => Role == Roles.Service;

    /// <summary>A service whose token grants <paramref name="scope"/>; the service role alone grants nothing.</summary>
    public bool HasScope(ServiceScope scope) => IsService && Scopes.Contains(scope.Name);

    /// <summary>
    /// The endpoint rule: a service needs <paramref name="scope"/>; a user needs one of <paramref name="roles"/>.
    /// A role list never admits a service. No scope and no roles: anyone signed in, services included (the catalogue).
    /// </summary>
    public bool IsAllowed(ServiceScope? scope, IReadOnlyCollection<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        if (IsService)
        {
            return scope is { } required ? HasScope(required) : roles.Count == 0;
        }

        return (scope is null && roles.Count == 0) || roles.Contains(Role);
    }

    /// <summary>Object-level check: admins see everything, a customer only its own data, a service nobody's.</summary>
    public bool CanSee(string ownerId) => IsAdmin || (!IsService && Subject == ownerId);

    /// <summary>As <see cref="CanSee(string)"/>, and a service whose token grants <paramref name="readScope"/>.</summary>
    public bool CanSee(string ownerId, ServiceScope readScope) => CanSee(ownerId) || HasScope(readScope);
}
