namespace Serverless.BuildingBlocks.Auth;

public static class Roles
{
    public const string Customer = "customer";
    public const string Admin = "admin";

    /// <summary>Another service calling with its own identity (client credentials; managed identity in Azure).</summary>
    public const string Service = "service";
}

/// <summary>Who is calling, as the validated token says.</summary>
public sealed record Caller(string Subject, string Role)
{
    public bool IsAdmin => Role == Roles.Admin;
    public bool IsService => Role == Roles.Service;

    /// <summary>Object-level check: admins and services see everything, a customer only its own data.</summary>
    public bool CanSee(string ownerId) => IsAdmin || IsService || Subject == ownerId;
}
