using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost.Configuration;

namespace Serverless.IntegrationTests.Hosting;

/// <summary>The local config store while its file cannot be read: the last good values stay in effect.</summary>
public sealed class LastGoodJsonFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("config-store-").FullName;

    private string File => Path.Combine(_folder, "settings.Development.json");

    [Fact]
    public async Task AnUnreadableOrDeletedFile_KeepsTheLastGoodValues_AndAReadableOneTakesEffect()
    {
        // Given the store's file with a value
        await System.IO.File.WriteAllTextAsync(File, """{"Shipping":{"SupportedCountries":"KR,ZZ"}}""");
        var configuration = new ConfigurationBuilder().Add(new LastGoodJsonFileSource(File, NullLogger.Instance)).Build();
        var provider = (LastGoodJsonFileProvider)configuration.Providers.Single();
        Assert.Equal("KR,ZZ", configuration["Shipping:SupportedCountries"]);

        // When a hand edit breaks the JSON
        await System.IO.File.WriteAllTextAsync(File, """{"Shipping":{"SupportedCountries":"KR""");
        await Until(() => provider.LastError is not null, "the broken file was never read");

        // Then the last good value is still in effect
        Assert.Equal("KR,ZZ", configuration["Shipping:SupportedCountries"]);

        // When it is fixed with a new value, the new value takes effect
        await System.IO.File.WriteAllTextAsync(File, """{"Shipping":{"SupportedCountries":"KR,US"}}""");
        await Until(() => configuration["Shipping:SupportedCountries"] == "KR,US", "the fixed file never took effect");
        Assert.Null(provider.LastError);

        // When the file is deleted, the values stay
        System.IO.File.Delete(File);
        await Until(() => provider.LastError is not null, "the deletion was never noticed");
        Assert.Equal("KR,US", configuration["Shipping:SupportedCountries"]);
    }

    [Fact]
    public async Task DotNetsOwnJsonProvider_WouldEmptyEverything_WhichIsWhyTheStoreDoesNotUseIt()
    {
        // Given the framework's provider on the same kind of file
        await System.IO.File.WriteAllTextAsync(File, """{"A":"1"}""");
        var configuration = new ConfigurationBuilder().AddJsonFile(File, optional: true, reloadOnChange: true).Build();
        var reloaded = false;
        Microsoft.Extensions.Primitives.ChangeToken.OnChange(configuration.GetReloadToken, () => reloaded = true);

        // When the file is deleted
        System.IO.File.Delete(File);
        await Until(() => reloaded, "the framework's provider never reloaded");

        // Then its value is gone (the default would apply): the behaviour LastGoodJsonFileProvider exists to avoid
        Assert.Null(configuration["A"]);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task Until(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }
}
