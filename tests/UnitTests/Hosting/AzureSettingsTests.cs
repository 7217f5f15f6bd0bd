using Microsoft.Extensions.Configuration;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.UnitTests.Hosting;

public sealed class AzureSettingsTests
{
    [Fact]
    public void EveryAppInAzure_NeedsItsIdentity_ItsTelemetry_AndTheWholeRegistry()
    {
        Assert.All(AzureSettings.Apps, app =>
        {
            var keys = AzureSettings.RequiredFor(app);
            Assert.Contains("AZURE_CLIENT_ID", keys);
            Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", keys);
            Assert.Contains("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", keys);
            Assert.All(AzureSettings.Apps, other => Assert.Contains($"Services:{other}:https:0", keys));
            Assert.Equal(keys.Count, keys.Distinct().Count());
        });
    }

    [Fact]
    public void Missing_NamesEveryAbsentEmptyOrUnresolvedKey_AndNothingElse()
    {
        // Given payments' settings, with the bus namespace absent, the Cosmos endpoint empty and a Key Vault reference unresolved
        var settings = Complete("payments");
        settings.Remove("Bus:FullyQualifiedNamespace");
        settings["Cosmos:Endpoint"] = " ";
        settings["Auth:Issuer"] = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/issuer)";

        // When the missing ones are listed
        var missing = AzureSettings.Missing("payments", Configuration(settings));

        // Then exactly those three are named, in the table's order
        Assert.Equal(["Auth:Issuer", "Cosmos:Endpoint", "Bus:FullyQualifiedNamespace"], missing);
    }

    [Fact]
    public void AzureMode_WithSettingsMissing_RefusesToStart_NamingTheAppAndEveryMissingSetting()
    {
        var settings = Complete("orders");
        settings.Remove("Bus:FullyQualifiedNamespace");
        settings.Remove("Cosmos:Endpoint");
        settings.Remove("Auth:ClientSecret");

        var error = Assert.Throws<InvalidOperationException>(() => AzureSettings.ThrowIfIncomplete("orders", Configuration(settings)));

        Assert.StartsWith("orders cannot start in Azure: missing Cosmos:Endpoint, Bus:FullyQualifiedNamespace, Auth:ClientSecret — set them as app settings or App Configuration keys", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("inventory")]
    [InlineData("payments")]
    [InlineData("shipping")]
    [InlineData("orders")]
    [InlineData("order-history")]
    [InlineData("notifications")]
    [InlineData("web-bff")]
    [InlineData("mobile-bff")]
    public void AzureMode_WithEverySetting_Starts(string app) =>
        AzureSettings.ThrowIfIncomplete(app, Configuration(Complete(app)));

    [Theory]
    [InlineData(null)]
    [InlineData("local")]
    public void LocalMode_NeedsNoneOfTheAzureSettings(string? target) =>
        AzureSettings.ThrowIfIncomplete("payments", Configuration(new Dictionary<string, string?> { [AzureSettings.TargetKey] = target }));

    [Fact]
    public void BusAndStorageSettings_AreNeededOnlyByTheAppsThatUseThem()
    {
        Assert.DoesNotContain("Bus:FullyQualifiedNamespace", AzureSettings.RequiredFor("inventory"));
        Assert.Contains("Cosmos:Endpoint", AzureSettings.RequiredFor("inventory"));
        Assert.DoesNotContain("Cosmos:Endpoint", AzureSettings.RequiredFor("web-bff"));
        Assert.Contains("Auth:ClientSecret", AzureSettings.RequiredFor("web-bff"));
        Assert.DoesNotContain("Auth:ClientSecret", AzureSettings.RequiredFor("mobile-bff"));
    }

    [Fact]
    public void Identity_NeedsEveryServiceClientsSecretAndScopes_UnderItsSettingName()
    {
        var required = AzureSettings.RequiredFor("identity");

        Assert.Contains("Identity:Clients:order_history:Secret", required);
        Assert.Contains("Identity:Clients:web_bff:Scopes", required);
        Assert.Contains("Identity:Clients:orders:Secret", required);
        Assert.DoesNotContain(required, key => key.Contains("order-history", StringComparison.Ordinal) && key.StartsWith("Identity:", StringComparison.Ordinal));
    }

    [Fact]
    public void Identity_AUserWhosePasswordIsAnUnresolvedKeyVaultReference_IsMissing()
    {
        var settings = Complete("identity");
        settings["Identity:Users:alice:Password"] = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/user-alice)";
        settings["Identity:Users:bob:Password"] = "resolved";
        settings["Identity:Users:local:PasswordHash"] = "pbkdf2-sha256$1$a$b";

        var missing = AzureSettings.Missing("identity", Configuration(settings));

        Assert.Equal(["Identity:Users:alice:Password"], missing);
    }

    private static Dictionary<string, string?> Complete(string app) =>
        AzureSettings.RequiredFor(app).ToDictionary(key => key, key => (string?)(key == AzureSettings.TargetKey ? "azure" : "set"));

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
