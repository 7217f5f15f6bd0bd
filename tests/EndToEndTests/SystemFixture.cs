[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Serverless.EndToEndTests;

/// <summary>One running system shared by the end-to-end tests of the "system" collection.</summary>
public sealed class SystemFixture : IAsyncLifetime
{
    public AppHostProcess Host { get; private set; } = null!;
    public ShopClient Shop { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await AppHostProcess.StartAsync();
        Shop = new ShopClient(Host.Gateway);
    }

    public async Task DisposeAsync()
    {
        Shop.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>A SKU no other test uses.</summary>
    public static string NewSku(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
}

[CollectionDefinition("system")]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>;
