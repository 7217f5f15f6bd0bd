using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Http;

namespace Serverless.BuildingBlocks.Auth;

public sealed record AuthResult(Caller? Caller, IActionResult? Denied);

/// <summary>A token's check: the caller when valid; <see cref="KeysUnavailable"/> when it could not be checked (the signing keys cannot be read).</summary>
public sealed record TokenCheck(Caller? Caller, bool KeysUnavailable);

/// <summary>The signing keys could not be read (the identity service's JWKS unreachable, the key file missing): no token can be checked now.</summary>
public sealed class SigningKeysUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Validates bearer tokens the same way in every service (defence in depth: the gateway validates too).
/// Function classes call <see cref="AuthorizeAsync"/> first; both hosts run that same code.
/// </summary>
public sealed class TokenValidator(ISigningKeySource keys, IOptions<AuthOptions> options, ILogger<TokenValidator> logger)
{
    private readonly JsonWebTokenHandler _handler = new();

    public async Task<Caller?> ValidateAsync(string token, CancellationToken cancellationToken = default) =>
        (await CheckAsync(token, cancellationToken)).Caller;

    /// <summary>
    /// Validates as <see cref="ValidateAsync"/> does, and tells a token that is not valid from one that could not be
    /// checked: without signing keys the answer is 503 (retry shortly), not 401 (a caller's fault that no retry fixes).
    /// </summary>
    public async Task<TokenCheck> CheckAsync(string token, CancellationToken cancellationToken = default)
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
            return new TokenCheck(null, result.Exception is SigningKeysUnavailableException);
        }

        var subject = result.Claims.TryGetValue(JwtRegisteredClaimNames.Sub, out var sub) ? sub as string : null;
        var role = result.Claims.TryGetValue("role", out var r) ? r as string : null;
        var scopes = result.Claims.TryGetValue("scope", out var s) ? s as string : null;
        return new TokenCheck(string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(role) ? null : new Caller(subject, role) { Scopes = ServiceScope.Parse(scopes) }, false);
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

        var (caller, keysUnavailable) = await CheckAsync(header["Bearer ".Length..].Trim(), request.HttpContext.RequestAborted);
        if (keysUnavailable)
        {
            return new AuthResult(null, KeysUnavailable(request.HttpContext));
        }

        if (caller is null)
        {
            return new AuthResult(null, Problems.Unauthorized("The bearer token is not valid."));
        }

        return caller.IsAllowed(scope, allowedRoles)
            ? new AuthResult(caller, null)
            : new AuthResult(caller, Problems.Forbidden());
    }

    /// <summary>The 503 for a token that cannot be checked now, with <c>Retry-After</c>.</summary>
    public static ObjectResult KeysUnavailable(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.RetryAfter = "5";
        return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Service unavailable", KeysUnavailableDetail);
    }

    /// <summary>What a 503 for a token that cannot be checked says (the gateway's and every service's).</summary>
    public const string KeysUnavailableDetail = "Tokens cannot be checked right now (the signing keys cannot be read); retry shortly.";

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
            return new TokenValidationResult { IsValid = false, Exception = new SigningKeysUnavailableException("The signing keys cannot be read.", ex) };
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
