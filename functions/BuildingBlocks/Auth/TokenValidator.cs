using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Http;

namespace Serverless.BuildingBlocks.Auth;

public sealed record AuthResult(Caller? Caller, IActionResult? Denied);

/// <summary>
/// Validates bearer tokens the same way in every service (defence in depth: the gateway validates too).
/// Function classes call <see cref="AuthorizeAsync"/> first; both hosts run that same code.
/// </summary>
public sealed class TokenValidator(ISigningKeySource keys, IOptions<AuthOptions> options, ILogger<TokenValidator> logger)
{
    private readonly JsonWebTokenHandler _handler = new();

    public async Task<Caller?> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        var result = await ValidateWithKeysAsync(token, refresh: false, cancellationToken);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The identity service may have rotated its key: read the JWKS again once.
            result = await ValidateWithKeysAsync(token, refresh: true, cancellationToken);
        }

        if (!result.IsValid)
        {
            logger.LogInformation("Token rejected: {Reason}", result.Exception?.GetType().Name);
            return null;
        }

        var subject = result.Claims.TryGetValue(JwtRegisteredClaimNames.Sub, out var sub) ? sub as string : null;
        var role = result.Claims.TryGetValue("role", out var r) ? r as string : null;
        var scopes = result.Claims.TryGetValue("scope", out var s) ? s as string : null;
        return string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(role) ? null : new Caller(subject, role) { Scopes = ServiceScope.Parse(scopes) };
    }

    /// <summary>Authenticates the request and checks its role (no roles: anyone signed in); the answer is a caller or a 401/403 problem.</summary>
    public Task<AuthResult> AuthorizeAsync(HttpRequest request, params string[] allowedRoles) =>
        AuthorizeCoreAsync(request, null, allowedRoles);

    /// <summary>As above for an endpoint services call: a service needs <paramref name="scope"/>, a user one of <paramref name="allowedRoles"/>.</summary>
    public Task<AuthResult> AuthorizeAsync(HttpRequest request, ServiceScope scope, params string[] allowedRoles) =>
        AuthorizeCoreAsync(request, scope, allowedRoles);

    /// <summary>Authorizes (as <see cref="AuthorizeAsync(HttpRequest, ServiceScope, string[])"/>), then reads the JSON body: the caller and body, or the first problem (401/403, 400, 413).</summary>
    public Task<(Caller? Caller, T? Body, IActionResult? Problem)> AuthorizeAndReadAsync<T>(HttpRequest request, ServiceScope scope, params string[] allowedRoles)
        where T : class => AuthorizeAndReadCoreAsync<T>(request, scope, allowedRoles);

    /// <summary>Authorizes, then reads the JSON body: the caller and body, or the first problem (401/403, 400, 413).</summary>
    public Task<(Caller? Caller, T? Body, IActionResult? Problem)> AuthorizeAndReadAsync<T>(HttpRequest request, params string[] allowedRoles)
        where T : class => AuthorizeAndReadCoreAsync<T>(request, null, allowedRoles);

    private async Task<AuthResult> AuthorizeCoreAsync(HttpRequest request, ServiceScope? scope, string[] allowedRoles)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return new AuthResult(null, Problems.Unauthorized());
        }

        var caller = await ValidateAsync(header["Bearer ".Length..].Trim(), request.HttpContext.RequestAborted);
        if (caller is null)
        {
            return new AuthResult(null, Problems.Unauthorized("The bearer token is not valid."));
        }

        return caller.IsAllowed(scope, allowedRoles)
            ? new AuthResult(caller, null)
            : new AuthResult(caller, Problems.Forbidden());
    }

    private async Task<(Caller? Caller, T? Body, IActionResult? Problem)> AuthorizeAndReadCoreAsync<T>(HttpRequest request, ServiceScope? scope, string[] allowedRoles)
        where T : class
    {
        var (caller, denied) = await AuthorizeCoreAsync(request, scope, allowedRoles);
        if (denied is not null)
        {
            return (caller, null, denied);
        }

        var (body, problem) = await JsonBody.ReadAsync<T>(request, request.HttpContext.RequestAborted);
        return (caller, body, problem);
    }

    private async Task<TokenValidationResult> ValidateWithKeysAsync(string token, bool refresh, CancellationToken cancellationToken)
    {
        IReadOnlyCollection<SecurityKey> signingKeys;
        try
        {
            signingKeys = await keys.GetKeysAsync(refresh, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException)
        {
            logger.LogWarning(ex, "Signing keys unavailable");
            return new TokenValidationResult { IsValid = false, Exception = ex };
        }

        var o = options.Value;
        return await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = o.Issuer,
            ValidAudience = o.Audience,
            IssuerSigningKeys = signingKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = o.ClockSkew,
        });
    }
}
