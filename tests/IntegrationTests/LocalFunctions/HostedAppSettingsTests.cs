using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Serverless.AppHost;
using Serverless.AppHost.LocalFunctions;
using Serverless.IntegrationTests.Identity;

namespace Serverless.IntegrationTests.LocalFunctions;

/// <summary>
/// The apps the local host runs, configured from the AppHost's real appsettings.json: identity has every user's
/// password and client's secret, the others none of them, and tokens are still issued to users and clients.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class HostedAppSettingsTests(ServicesFixture services)
{
    private static readonly string[] Clients = ["orders", "order-history", "web-bff"];
    private static readonly string[] Users = ["alice", "bob", "admin"];

    [Fact]
    public void Identity_HasEveryUsersPassword_AndEveryClientsSecret()
    {
        var identity = services.ConfigurationOf(ServicesFixture.Identity);

        Assert.All(Users, user => Assert.False(string.IsNullOrEmpty(identity[$"Identity:Users:{user}:PasswordHash"])));
        Assert.All(Clients, client => Assert.False(string.IsNullOrEmpty(identity[$"Identity:Clients:{client}:SecretHash"])));
    }

    [Theory]
    [InlineData(ServicesFixture.Inventory)]
    [InlineData(ServicesFixture.Payments)]
    [InlineData(ServicesFixture.Shipping)]
    public void AnotherApp_HasNoPasswordNorSecret_ButItsOwnSettings(string service)
    {
        var configuration = services.ConfigurationOf(service);

        Assert.All(Users, user => Assert.Null(configuration[$"Identity:Users:{user}:PasswordHash"]));
        Assert.All(Clients, client => Assert.Null(configuration[$"Identity:Clients:{client}:SecretHash"]));
        Assert.All(Clients, client => Assert.Null(configuration[$"LocalHost:ClientSecrets:{client}"]));
        Assert.Equal("serverless-shop", configuration["Auth:Issuer"]);
        Assert.Equal(services.AddressOf(ServicesFixture.Identity).ToString(), configuration[$"Services:{ServicesFixture.Identity}:http:0"]);
    }

    [Fact]
    public async Task AServiceClient_HasOnlyItsOwnSecret_WhichStillGetsItAToken()
    {
        // Given web-bff hosted as the local host hosts it (built, not started), with its own client secret
        var own = new Dictionary<string, string?>
        {
            ["Auth:ClientId"] = "web-bff",
            ["Auth:ClientSecret"] = services.Configuration["LocalHost:ClientSecrets:web-bff"],
        };
        var shared = new ConfigurationBuilder().AddConfiguration(services.Configuration).AddInMemoryCollection(own).Build();
        await using var webBff = FunctionAppHost.Build(FunctionAppDefinition.All.Single(d => d.Name == "web-bff"), shared, port: 0, durable: null, LocalSystem.ConfigureLogging);
        var configuration = webBff.Configuration;

        // Then it has no one else's secret, no user's password
        Assert.Null(configuration["Identity:Clients:orders:SecretHash"]);
        Assert.Null(configuration["Identity:Clients:web-bff:SecretHash"]);
        Assert.Null(configuration["LocalHost:ClientSecrets:orders"]);
        Assert.All(Users, user => Assert.Null(configuration[$"Identity:Users:{user}:PasswordHash"]));

        // And the secret it has is the one identity accepts for it
        using var identity = services.ClientFor(ServicesFixture.Identity);
        using var response = await identity.PostAsJsonAsync("auth/token", new { clientId = configuration["Auth:ClientId"], clientSecret = configuration["Auth:ClientSecret"] });
        var token = (await response.ReadOkAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        Assert.Equal("web-bff", Jwt.Payload(token).GetProperty("sub").GetString());
    }
}
