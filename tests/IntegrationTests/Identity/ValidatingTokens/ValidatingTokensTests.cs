using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.IntegrationTests.Identity.ValidatingTokens;

/// <summary>
/// Every service validates bearer tokens against identity's JWKS; inventory stands in for all of
/// them. Each rejected token differs from an accepted one in exactly one way.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class ValidatingTokensTests(ServicesFixture services)
{
    [Fact]
    public async Task TokenSignedWithTheRealKey_IsAccepted()
    {
        // Given a SKU and a token the test signs itself with identity's own key (proves the forging harness)
        var sku = await SeedSkuAsync();
        var key = await RealKeyAsync();
        var token = Jwt.Sign(key, "alice", "customer", expires: DateTime.UtcNow.AddMinutes(5));

        // When it is used to read stock
        using var response = await GetItemAsync(sku, token);

        // Then inventory accepts it
        Assert.Equal(sku, (await response.ReadOkAsync<ItemView>()).Sku);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("not-yet-valid")]
    [InlineData("other-issuer")]
    [InlineData("other-audience")]
    [InlineData("no-expiry")]
    public async Task TokenSignedWithTheRealKey_IsRejected_WhenItsClaimsAreWrong(string flaw)
    {
        // Given a token signed with identity's own key but with one flaw (beyond the 30 s clock skew)
        var sku = await SeedSkuAsync();
        var key = await RealKeyAsync();
        var now = DateTime.UtcNow;
        var token = flaw switch
        {
            "expired" => Jwt.Sign(key, "alice", "customer", notBefore: now.AddMinutes(-20), expires: now.AddMinutes(-10)),
            "not-yet-valid" => Jwt.Sign(key, "alice", "customer", notBefore: now.AddMinutes(10), expires: now.AddMinutes(20)),
            "other-issuer" => Jwt.Sign(key, "alice", "customer", issuer: "someone-else", expires: now.AddMinutes(5)),
            "other-audience" => Jwt.Sign(key, "alice", "customer", audience: "another-api", expires: now.AddMinutes(5)),
            "no-expiry" => Jwt.Sign(key, "alice", "customer", expires: null),
            _ => throw new ArgumentOutOfRangeException(nameof(flaw)),
        };

        // When it is used to read stock
        using var response = await GetItemAsync(sku, token);

        // Then inventory answers 401
        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AdminTokenSignedWithAnotherKey_IsRejected_AndChangesNothing(bool claimsThePublishedKid)
    {
        // Given stock, and an admin token signed with a key identity never published
        var sku = await SeedSkuAsync();
        var kid = claimsThePublishedKid ? await PublishedKidAsync() : "attacker-key";
        var forged = Jwt.Sign(Jwt.NewKey(kid), "admin", "admin", expires: DateTime.UtcNow.AddMinutes(5));

        // When it is used to overwrite the stock
        using var response = await PutItemAsync(sku, forged);

        // Then inventory answers 401 and the stock is as it was
        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(new ItemView(sku, 7, 0, 2.50m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task UnsignedAdminToken_IsRejected_AndChangesNothing()
    {
        // Given stock, and an admin token with alg "none" and otherwise perfect claims
        var sku = await SeedSkuAsync();
        var forged = Jwt.Unsigned("admin", "admin");

        // When it is used to overwrite the stock
        using var response = await PutItemAsync(sku, forged);

        // Then inventory answers 401 and the stock is as it was
        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(new ItemView(sku, 7, 0, 2.50m), await services.GetStockAsync(sku));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic YWRtaW46YWRtaW4tcGFzc3dvcmQ=")]
    [InlineData("Bearer not-a-jwt")]
    public async Task MissingOrMalformedAuthorization_Is401(string? authorization)
    {
        // Given a known SKU
        var sku = await SeedSkuAsync();
        using var inventory = services.ClientFor(ServicesFixture.Inventory);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/inventory/{sku}");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        // When it is read without a usable bearer token
        using var response = await inventory.SendAsync(request);

        // Then the answer is 401
        await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<string> SeedSkuAsync()
    {
        var sku = ServicesFixture.NewId("auth");
        await services.PutStockAsync(sku, 7, 2.50m);
        return sku;
    }

    private async Task<string> PublishedKidAsync()
    {
        using var identity = services.ClientFor(ServicesFixture.Identity);
        var jwks = await identity.GetFromJsonAsync<JsonElement>("auth/jwks");
        return jwks.GetProperty("keys")[0].GetProperty("kid").GetString()!;
    }

    /// <summary>Identity's private key; it exists once identity has issued a token.</summary>
    private async Task<RsaSecurityKey> RealKeyAsync()
    {
        await services.TokenAsync("alice");
        var key = Jwt.RealKey(services, await PublishedKidAsync());
        return key;
    }

    private async Task<HttpResponseMessage> GetItemAsync(string sku, string token)
    {
        using var inventory = services.ClientFor(ServicesFixture.Inventory, token);
        return await inventory.GetAsync($"api/inventory/{sku}");
    }

    private async Task<HttpResponseMessage> PutItemAsync(string sku, string token)
    {
        using var inventory = services.ClientFor(ServicesFixture.Inventory);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/inventory/{sku}") { Content = JsonContent.Create(new { available = 1000, price = 0.01m }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await inventory.SendAsync(request);
    }
}
