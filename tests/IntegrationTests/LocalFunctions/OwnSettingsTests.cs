using Microsoft.Extensions.Configuration;
using Serverless.AppHost.LocalFunctions;

namespace Serverless.IntegrationTests.LocalFunctions;

/// <summary>Each app in the local host sees the shared configuration without the other apps' secrets.</summary>
public sealed class OwnSettingsTests
{
    private static readonly Dictionary<string, string?> Shared = new()
    {
        ["Auth:Issuer"] = "serverless-shop",
        ["Shipping:SupportedCountries"] = "KR,US",
        ["Identity:TokenLifetimeSeconds"] = "3600",
        ["Identity:SigningKeyId"] = "https://vault.example/keys/signing",
        ["Identity:Users:alice:PasswordHash"] = "alice-hash",
        ["Identity:Users:alice:Role"] = "customer",
        ["Identity:Users:admin:Password"] = "admin-password",
        ["Identity:Clients:orders:SecretHash"] = "orders-hash",
        ["Identity:Clients:orders:Scopes"] = "inventory.reserve",
        ["Identity:Clients:web_bff:Secret"] = "web-bff-secret",
        ["LocalHost:ClientSecrets:orders"] = "orders-local-dev-key",
        ["LocalHost:ClientSecrets:web-bff"] = "web-bff-local-dev-key",
        ["LocalHost:SpanStoreMegabytes"] = "64",
        ["Cosmos:Endpoint"] = "https://127.0.0.1:8081/",
        ["Cosmos:Key"] = "cosmos-key",
    };

    private static readonly string[] IdentityOnly =
    [
        "Identity:SigningKeyId", "Identity:Users:alice:PasswordHash", "Identity:Users:admin:Password",
        "Identity:Clients:orders:SecretHash", "Identity:Clients:web_bff:Secret",
    ];

    [Fact]
    public void AServiceClient_SeesItsOwnSecret_AndNoOneElses()
    {
        // Given the shared configuration
        var configuration = OwnSettings.For("orders", new ConfigurationBuilder().AddInMemoryCollection(Shared).Build());

        // Then orders reads its own dev secret and the Cosmos key, and none of identity's or web-bff's secrets
        Assert.Equal("orders-local-dev-key", configuration["LocalHost:ClientSecrets:orders"]);
        Assert.Null(configuration["LocalHost:ClientSecrets:web-bff"]);
        Assert.Equal(["orders"], configuration.GetSection("LocalHost:ClientSecrets").GetChildren().Select(c => c.Key));
        Assert.All(IdentityOnly, key => Assert.Null(configuration[key]));
        Assert.Equal("cosmos-key", configuration["Cosmos:Key"]);
    }

    [Fact]
    public void Identity_SeesEveryUserAndClientSecret_AndItsSigningKey_ButNoClientsDevSecret()
    {
        var configuration = OwnSettings.For("identity", new ConfigurationBuilder().AddInMemoryCollection(Shared).Build());

        Assert.All(IdentityOnly, key => Assert.Equal(Shared[key], configuration[key]));
        Assert.Equal(["admin", "alice"], configuration.GetSection("Identity:Users").GetChildren().Select(c => c.Key).Order(StringComparer.Ordinal));
        Assert.False(configuration.GetSection("LocalHost:ClientSecrets").Exists());
        Assert.Null(configuration["Cosmos:Key"]);
    }

    [Fact]
    public void EveryoneElse_SeesTheRestUnchanged()
    {
        var configuration = OwnSettings.For("web-bff", new ConfigurationBuilder().AddInMemoryCollection(Shared).Build());

        // Not secrets: passed through as they are
        foreach (var key in new[] { "Auth:Issuer", "Shipping:SupportedCountries", "Identity:TokenLifetimeSeconds", "Identity:Users:alice:Role", "Identity:Clients:orders:Scopes", "LocalHost:SpanStoreMegabytes", "Cosmos:Endpoint" })
        {
            Assert.Equal(Shared[key], configuration[key]);
        }

        // Its own secret under either spelling of its name; nobody else's, and no Cosmos key (it stores nothing)
        Assert.Equal("web-bff-local-dev-key", configuration["LocalHost:ClientSecrets:web-bff"]);
        Assert.All(IdentityOnly, key => Assert.Null(configuration[key]));
        Assert.Null(configuration["LocalHost:ClientSecrets:orders"]);
        Assert.Null(configuration["Cosmos:Key"]);
        Assert.Equal(["Role"], configuration.GetSection("Identity:Users:alice").GetChildren().Select(c => c.Key));
    }

    [Theory]
    [InlineData("orders", "identity:users:ALICE:passwordhash", false)]
    [InlineData("orders", "Identity:Clients:orders:Secret:Extra", false)]
    [InlineData("identity", "Identity:Clients:orders:Secret", true)]
    [InlineData("order-history", "LocalHost:ClientSecrets:order_history", true)]
    [InlineData("gateway", "LocalHost:ClientSecrets:web-bff", false)]
    [InlineData("gateway", "Auth:Audience", true)]
    public void IsVisibleTo_IgnoresCase_CoversWhatIsUnderASecret_AndBothSpellingsOfAName(string app, string key, bool visible) =>
        Assert.Equal(visible, OwnSettings.IsVisibleTo(app, key));

    [Fact]
    public void TheView_FollowsChangesToTheSharedConfiguration()
    {
        // Given an app's view of a configuration that changes after the view is made
        var shared = new ConfigurationBuilder().AddInMemoryCollection(Shared).Build();
        var configuration = OwnSettings.For("inventory", shared);

        // When a setting and a secret are added
        shared["Inventory:LowStockThreshold"] = "5";
        shared["Identity:Clients:inventory:Secret"] = "leaked";
        shared.Reload();

        // Then the view has the setting and still not the secret
        Assert.Equal("5", configuration["Inventory:LowStockThreshold"]);
        Assert.Null(configuration["Identity:Clients:inventory:Secret"]);
    }
}
