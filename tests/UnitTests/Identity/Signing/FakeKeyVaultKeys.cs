using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Serverless.UnitTests.Configuration;

namespace Serverless.UnitTests.Identity.Signing;

/// <summary>
/// A local HTTP listener that stands in for Key Vault's keys REST surface (api-version 7.4), with a real
/// RSA key held here: <c>GET /keys/{name}</c> answers the key bundle (public <c>n</c>, <c>e</c> and the
/// versioned <c>kid</c>, as Key Vault does, never the private parts), <c>POST /keys/{name}/{version}/sign</c>
/// signs a base64url SHA-256 digest with RS256. Every call needs the bearer token of <see cref="Credential"/>.
/// It is not Key Vault: only the two calls the signer makes, and only the checks this test needs.
/// </summary>
public sealed class FakeKeyVaultKeys : IAsyncDisposable
{
    public const string KeyName = "token-signing";
    public const string Version = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    public const string Token = "kv-test-token";

    private readonly WebApplication _app;
    private int _keyReads;
    private int _signs;

    private FakeKeyVaultKeys(WebApplication app) => _app = app;

    public RSA Key { get; } = RSA.Create(2048);

    public FakeCredential Credential { get; } = new(Token);

    public Uri VaultUri { get; private set; } = null!;

    /// <summary>The versionless key id, as <c>Identity:SigningKeyId</c> holds it.</summary>
    public Uri KeyId => new(VaultUri, $"keys/{KeyName}");

    public int KeyReads => Volatile.Read(ref _keyReads);

    public int Signs => Volatile.Read(ref _signs);

    /// <summary>When set, the key bundle names this kid instead of the vault's own (a vault that points elsewhere).</summary>
    public string? KidOverride { get; set; }

    public static async Task<FakeKeyVaultKeys> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var vault = new FakeKeyVaultKeys(builder.Build());
        vault.Map();
        await vault._app.StartAsync();
        vault.VaultUri = new Uri(vault._app.Urls.Single() + "/");
        return vault;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Key.Dispose();
    }

    private void Map()
    {
        _app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != "Bearer " + Token || context.Request.Query["api-version"] != "7.4")
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await next(context);
        });

        _app.MapGet("/keys/{name}", (string name) =>
        {
            if (name != KeyName)
            {
                return Results.NotFound();
            }

            Interlocked.Increment(ref _keyReads);
            var p = Key.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                key = new
                {
                    kid = KidOverride ?? $"{VaultUri}keys/{KeyName}/{Version}",
                    kty = "RSA",
                    key_ops = new[] { "sign", "verify" },
                    // Key Vault may send the modulus with a leading zero byte; the signer must not be fooled by it.
                    n = Base64UrlEncoder.Encode([0, .. p.Modulus!]),
                    e = Base64UrlEncoder.Encode(p.Exponent!),
                },
                attributes = new { enabled = true },
            });
        });

        _app.MapPost("/keys/{name}/{version}/sign", async (string name, string version, HttpRequest request) =>
        {
            if (name != KeyName || version != Version)
            {
                return Results.NotFound();
            }

            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            var digest = Base64UrlEncoder.DecodeBytes(body.GetProperty("value").GetString()!);
            if (body.GetProperty("alg").GetString() != "RS256" || digest.Length != 32)
            {
                return Results.BadRequest();
            }

            Interlocked.Increment(ref _signs);
            var signature = Key.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return Results.Json(new { kid = $"{VaultUri}keys/{KeyName}/{Version}", value = Base64UrlEncoder.Encode(signature) });
        });
    }
}
