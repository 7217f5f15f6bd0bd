using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;

namespace Serverless.Identity.IssuingTokens;

public sealed record TokenRequest(string? Username, string? Password, string? ClientId, string? ClientSecret);

public sealed class TokenFunctions(TokenIssuer issuer, SigningKeyStore keys, IOptions<AuthOptions> auth)
{
    [Function("IssueToken")]
    public async Task<IActionResult> IssueToken([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/token")] HttpRequest request)
    {
        var (body, problem) = await JsonBody.ReadAsync<TokenRequest>(request, request.HttpContext.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        IssuedToken? token;
        if (!string.IsNullOrEmpty(body!.ClientId))
        {
            token = issuer.ForClient(body.ClientId, body.ClientSecret ?? "");
        }
        else if (!string.IsNullOrWhiteSpace(body.Username) && body.Password is not null)
        {
            token = issuer.ForUser(body.Username, body.Password);
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
        var baseUrl = $"{request.Scheme}://{request.Host}/auth";
        return new OkObjectResult(new Dictionary<string, object>
        {
            ["issuer"] = auth.Value.Issuer,
            ["jwks_uri"] = $"{baseUrl}/jwks",
            ["token_endpoint"] = $"{baseUrl}/token",
            ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
            ["grant_types_supported"] = new[] { "password", "client_credentials" },
        });
    }

    [Function("Jwks")]
    public IActionResult Jwks([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auth/jwks")] HttpRequest request)
    {
        var jwk = keys.PublicJwk();
        return new OkObjectResult(new
        {
            keys = new[] { new { kty = jwk.Kty, use = jwk.Use, alg = jwk.Alg, kid = jwk.Kid, n = jwk.N, e = jwk.E } },
        });
    }
}
