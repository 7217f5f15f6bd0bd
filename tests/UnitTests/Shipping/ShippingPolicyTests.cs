using Microsoft.Extensions.Configuration;
using Serverless.Shipping;

namespace Serverless.UnitTests.Shipping;

public sealed class ShippingPolicyTests
{
    private static IConfigurationRoot Config(string? countries) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { [ShippingPolicy.Key] = countries })
        .Build();

    [Fact]
    public void NoConfiguredValue_UsesTheDefaultCountries()
    {
        // Given no Shipping:SupportedCountries
        var policy = new ShippingPolicy(new ConfigurationBuilder().Build());

        // When asked; Then the default list applies
        Assert.Equal(["DE", "FR", "GB", "JP", "KR", "US"], policy.SupportedCountries().Order());
        Assert.True(policy.Ships("KR"));
        Assert.False(policy.Ships("CN"));
    }

    [Fact]
    public void ConfiguredCountries_AreTheOnlyOnesShippedTo()
    {
        // Given only KR and US
        var policy = new ShippingPolicy(Config("KR,US"));

        // Then KR ships, GB (a default country) does not
        Assert.True(policy.Ships("US"));
        Assert.False(policy.Ships("GB"));
    }

    [Fact]
    public void Ships_IgnoresCaseAndSurroundingSpaces()
    {
        // Given a lower-case, spaced, semicolon-separated list
        var policy = new ShippingPolicy(Config(" kr ; us,gb "));

        // When asked with odd casing and spaces; Then they match
        Assert.True(policy.Ships(" Kr "));
        Assert.True(policy.Ships("gb"));
        Assert.Equal(["GB", "KR", "US"], policy.SupportedCountries().Order());
    }

    [Fact]
    public void ChangingTheConfiguration_ChangesTheAnswer_WithoutANewPolicy()
    {
        // Given a policy over a config store that does not list FR
        var config = Config("KR,US");
        var policy = new ShippingPolicy(config);
        Assert.False(policy.Ships("FR"));

        // When the config store's value changes
        config[ShippingPolicy.Key] = "FR";
        config.Reload();

        // Then the same policy instance ships to FR and no longer to KR
        Assert.True(policy.Ships("FR"));
        Assert.False(policy.Ships("KR"));
    }

    [Fact]
    public void EmptyValue_ShipsNowhere()
    {
        // Given the value set but empty; Then no country is served (the default only applies when the key is missing)
        var policy = new ShippingPolicy(Config(""));

        Assert.Empty(policy.SupportedCountries());
        Assert.False(policy.Ships("KR"));
    }
}
