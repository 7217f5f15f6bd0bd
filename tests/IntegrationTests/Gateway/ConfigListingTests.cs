using Serverless.AppHost.Gateway;

namespace Serverless.IntegrationTests.Gateway;

/// <summary>GET /ops/config lists the local config store with every secret masked.</summary>
public sealed class ConfigListingTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "config-listing-" + Guid.NewGuid().ToString("N")[..8] + ".json");

    public void Dispose() => File.Delete(_file);

    [Theory]
    [InlineData("Identity:SigningKey")]
    [InlineData("Bus:ConnectionString")]
    [InlineData("Payments:ClientSecret")]
    [InlineData("Smtp:password")]
    [InlineData("Services:ApiToken")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    public void KeyNamingASecret_IsMasked_WhateverTheValue(string key)
    {
        var shown = LocalOperations.Masked(key, "s3cr3t");

        Assert.Equal((LocalOperations.Mask, true), (shown.Value, shown.Masked));
    }

    [Fact]
    public void NestedStore_IsListedByFlatKey_InKeyOrder_SecretsMaskedOthersShown()
    {
        // Given a store with plain values, a nested secret, a number and an array
        File.WriteAllText(_file, """{"Shipping":{"SupportedCountries":"KR,JP","Carrier":{"ApiKey":"abc"}},"Saga":{"MaxBackoffSeconds":2},"Bus":{"Topics":["orders"]}}""");

        // When it is listed
        var listed = LocalOperations.Read(_file);

        // Then every value is there under its ':' key, and only the secret is hidden
        Assert.Equal(
            [
                new ConfigValue("Bus:Topics:0", "orders", false),
                new ConfigValue("Saga:MaxBackoffSeconds", "2", false),
                new ConfigValue("Shipping:Carrier:ApiKey", LocalOperations.Mask, true),
                new ConfigValue("Shipping:SupportedCountries", "KR,JP", false),
            ],
            listed);
        Assert.DoesNotContain(listed, v => v.Value == "abc");
    }
}
