using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.Identity.IssuingTokens.Signing;

namespace Serverless.Identity.IssuingTokens;

public sealed record TokenRequest(string? Username, string? Password, string? ClientId, string? ClientSecret);

public sealed class TokenFunctions(TokenIssuer issuer, ITokenSigner signer, IOptions<AuthOptions> auth, IOptionsMonitor<IdentityOptions> identity)
{
    [Function("IssueToken")]
    public async Task<IActionResult> IssueToken([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/token")] HttpRequest request)
    {
        var (body, problem) = await JsonBody.ReadAsync<TokenRequest>(request, request.HttpContext.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        var ct = request.HttpContext.RequestAborted;
        IssuedToken? token;
        if (!string.IsNullOrEmpty(body!.ClientId))
        {
            token = await issuer.ForClientAsync(body.ClientId, body.ClientSecret ?? "", ct);
        }
        else if (!string.IsNullOrWhiteSpace(body.Username) && body.Password is not null)
        {
            token = await issuer.ForUserAsync(body.Username, body.Password, ct);
        }
        else
        {
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["username"] = ["username and password are required."],
            });
        }

        return token is null ? Problems.Unauthorized("Wrong username or password.") : new OkObjectResult(token);
    }

    [Function("OpenIdConfiguration")]
    public IActionResult OpenIdConfiguration([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auth/.well-known/openid-configuration")] HttpRequest request)
    {
        var baseUrl = IssuerMetadata.BaseUrl(identity.CurrentValue.PublicBaseUrl, request.Scheme, request.Host.ToString());
        return new OkObjectResult(IssuerMetadata.Document(auth.Value.Issuer, baseUrl));
    }

    [Function("Jwks")]
    public async Task<IActionResult> Jwks([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auth/jwks")] HttpRequest request)
    {
        var jwk = await signer.PublicKeyAsync(request.HttpContext.RequestAborted);
        return new OkObjectResult(new
        {
            keys = new[] { new { kty = jwk.Kty, use = jwk.Use, alg = jwk.Alg, kid = jwk.Kid, n = jwk.N, e = jwk.E } },
        });
    }
}
