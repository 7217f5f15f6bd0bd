using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Serverless.IntegrationTests.Identity.IssuingTokens;

[Collection(ServicesCollection.Name)]
public sealed class IssuingTokensTests(ServicesFixture services)
{
    [Fact]
    public async Task TokenForAlice_CarriesSubjectAliceAndRoleCustomer()
    {
        // Given the identity service with the local demo users
        using var identity = services.ClientFor(ServicesFixture.Identity);

        // When alice signs in with her password
        using var response = await identity.PostAsJsonAsync("auth/token", new { username = "alice", password = "alice-password" });

        // Then she gets a bearer token for the shop's API that says who she is
        var issued = await response.ReadOkAsync<JsonElement>();
        Assert.Equal("Bearer", issued.GetProperty("tokenType").GetString());
        Assert.Equal(services.Configuration.GetValue<int>("Identity:TokenLifetimeSeconds"), issued.GetProperty("expiresIn").GetInt32());
        var token = issued.GetProperty("accessToken").GetString()!;
        Assert.Equal("RS256", Jwt.Header(token).GetProperty("alg").GetString());
        var claims = Jwt.Payload(token);
        Assert.Equal("alice", claims.GetProperty("sub").GetString());
        Assert.Equal("customer", claims.GetProperty("role").GetString());
        Assert.Equal(Jwt.Issuer, claims.GetProperty("iss").GetString());
        Assert.Equal(Jwt.Audience, claims.GetProperty("aud").GetString());
        Assert.True(claims.GetProperty("exp").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task TokenForAdmin_CarriesRoleAdmin()
    {
        // Given the identity service
        using var identity = services.ClientFor(ServicesFixture.Identity);

        // When admin signs in
        using var response = await identity.PostAsJsonAsync("auth/token", new { username = "admin", password = "admin-password" });

        // Then the token says admin
        var token = (await response.ReadOkAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        Assert.Equal("admin", Jwt.Payload(token).GetProperty("role").GetString());
    }

    [Theory]
    [InlineData("orders", "inventory.reserve payments.charge shipping.book")]
    [InlineData("order-history", "orders.feed payments.feed shipping.feed")]
    [InlineData("web-bff", "payments.read shipping.read")]
    public async Task TokenForServiceClient_CarriesRoleService_AndItsScopes(string client, string scopes)
    {
        // Given a service's client id and local dev secret
        using var identity = services.ClientFor(ServicesFixture.Identity);
        var secret = services.Configuration[$"LocalHost:ClientSecrets:{client}"];

        // When the service asks for its own token
        using var response = await identity.PostAsJsonAsync("auth/token", new { clientId = client, clientSecret = secret });

        // Then the token names the client, the service role and exactly the scopes configured for it
        var token = (await response.ReadOkAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        var claims = Jwt.Payload(token);
        Assert.Equal(client, claims.GetProperty("sub").GetString());
        Assert.Equal("service", claims.GetProperty("role").GetString());
        Assert.Equal(scopes, claims.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task TokenForAUser_CarriesNoScope()
    {
        Assert.False(Jwt.Payload(await services.TokenAsync("alice")).TryGetProperty("scope", out _));
    }

    [Theory]
    [InlineData("""{"username":"alice","password":"bob-password"}""")]
    [InlineData("""{"username":"alice","password":"Alice-password"}""")]
    [InlineData("""{"username":"mallory","password":"mallory-password"}""")]
    [InlineData("""{"clientId":"orders","clientSecret":"guessed"}""")]
    [InlineData("""{"clientId":"alice","clientSecret":"alice-password"}""")]
    public async Task WrongCredentials_Are401Problem_WithoutToken(string credentials)
    {
        // Given the identity service
        using var identity = services.ClientFor(ServicesFixture.Identity);

        // When someone signs in with credentials that do not match
        using var response = await identity.PostAsync("auth/token", Http.Json(credentials));

        // Then the answer is a 401 problem and carries no token
        var problem = await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.False(problem.TryGetProperty("accessToken", out _));
    }

    [Theory]
    [InlineData("""{"username":"alice","password":""")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"username":"alice"}""")]
    [InlineData("""{"username":42,"password":"alice-password"}""")]
    public async Task MalformedBody_Is400Problem(string body)
    {
        // Given the identity service
        using var identity = services.ClientFor(ServicesFixture.Identity);

        // When the body is not a well-formed credentials object
        using var response = await identity.PostAsync("auth/token", Http.Json(body));

        // Then the answer is a 400 problem
        await response.ReadProblemAsync(HttpStatusCode.BadRequest);
    }
}
