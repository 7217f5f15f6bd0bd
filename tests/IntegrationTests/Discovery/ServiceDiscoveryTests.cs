using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.AppHost.Gateway;
using Serverless.BuildingBlocks.Hosting;
using Xunit.Abstractions;

namespace Serverless.IntegrationTests.Discovery;

/// <summary>
/// A client wired by <see cref="ServiceDefaults"/> addresses a service by logical name; the instances
/// come from configuration laid out as the local host does it: the registry as the lowest layer, the
/// config store (a watched JSON file, written by <see cref="LocalOperations.Write"/>) on top.
/// Two real Kestrel instances answer with their own name.
/// </summary>
public sealed class ServiceDiscoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Catalog = "catalog";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "serverless-discovery-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<WebApplication> _instances = [];
    private IConfigurationRoot _configuration = null!;
    private ServiceProvider _provider = null!;
    private Uri _a = null!;
    private Uri _b = null!;

    private string SettingsFile => Path.Combine(_directory, "settings.json");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(SettingsFile, "{}\n");
        _a = await StartInstanceAsync("a");
        _b = await StartInstanceAsync("b");

        _configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"Services:{Catalog}:http:0"] = _a.ToString() })
            .AddJsonFile(SettingsFile, optional: false, reloadOnChange: true)
            .Build();

        // A plain container, not a host: AddServiceDefaults' hosted auth warm-up never starts.
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(_configuration);
        services.AddServiceDefaults(_configuration);
        services.AddHttpClient(Catalog, c => c.BaseAddress = ServiceDefaults.ServiceAddress(Catalog));
        _provider = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        (_configuration as IDisposable)?.Dispose();
        foreach (var instance in _instances)
        {
            await instance.StopAsync();
            await instance.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task LogicalName_WithOneInstanceConfigured_ReachesThatInstance()
    {
        // Given catalog is configured as instance A only
        using var catalog = Client();

        // When it is called by its logical name
        var answers = await CallAsync(catalog, 5);

        // Then every call reaches A
        Assert.Equal(["a", "a", "a", "a", "a"], answers);
    }

    [Fact]
    public async Task AddingAnInstance_IsAConfigChange_ThenCallsAlternateBetweenBoth()
    {
        // Given catalog is called while A is its only instance
        using var catalog = Client();
        Assert.Equal(["a"], await CallAsync(catalog, 1));

        // When the config store lists B as a second instance
        await ChangeSettingsAsync($"Services:{Catalog}:http:1", _b);

        // Then calls reach B too, and from then on go round robin
        await CallUntilAsync(catalog, "b");
        Assert.Equal(["a", "b", "a", "b", "a", "b"], await CallAsync(catalog, 6));
    }

    [Fact]
    public async Task MovingAService_IsAConfigChange_ThenEveryCallGoesToTheNewPlace()
    {
        // Given catalog is called while it lives at A
        using var catalog = Client();
        Assert.Equal(["a"], await CallAsync(catalog, 1));

        // When the config store says its one instance is B
        await ChangeSettingsAsync($"Services:{Catalog}:http:0", _b);

        // Then calls reach B, and only B
        await CallUntilAsync(catalog, "b");
        Assert.All(await CallAsync(catalog, 10), answer => Assert.Equal("b", answer));
    }

    [Fact]
    public async Task NameWithNoInstanceConfigured_IsTriedAsAHostName_AndFailsAsAConnectionError()
    {
        // Given a client for a service no configuration lists
        using var unlisted = _provider.GetRequiredService<IHttpClientFactory>().CreateClient();
        unlisted.BaseAddress = ServiceDefaults.ServiceAddress("unlisted");
        unlisted.Timeout = TimeSpan.FromSeconds(15);

        // When it is called
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => unlisted.GetStringAsync(""));

        // Then the pass-through provider has handed the bare name on as a host name, with the first scheme
        // of https+http, and the call fails as the connection error the callers' fallbacks already catch
        Assert.Contains("unlisted:443", failure.Message, StringComparison.Ordinal);
    }

    private HttpClient Client() => _provider.GetRequiredService<IHttpClientFactory>().CreateClient(Catalog);

    private static async Task<List<string>> CallAsync(HttpClient client, int count)
    {
        var answers = new List<string>();
        for (var i = 0; i < count; i++)
        {
            answers.Add(await client.GetStringAsync(""));
        }

        return answers;
    }

    /// <summary>Calls until one answers <paramref name="expected"/>; fails past the deadline.</summary>
    private async Task CallUntilAsync(HttpClient client, string expected)
    {
        var clock = Stopwatch.StartNew();
        var calls = 0;
        while (await client.GetStringAsync("") != expected)
        {
            calls++;
            Assert.True(clock.Elapsed < Deadline, $"No call answered '{expected}' within {Deadline.TotalSeconds} s.");
            await Task.Delay(20);
        }

        output.WriteLine($"'{expected}' answered after {calls} other call(s), {clock.ElapsedMilliseconds} ms after the configuration reloaded");
    }

    /// <summary>Writes one value to the config store and waits until the configuration has reloaded it.</summary>
    private async Task ChangeSettingsAsync(string key, Uri value)
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = _configuration.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null);
        var clock = Stopwatch.StartNew();
        LocalOperations.Write(SettingsFile, key.Split(':'), value.ToString());
        await reloaded.Task.WaitAsync(Deadline);
        Assert.Equal(value.ToString(), _configuration[key]);
        output.WriteLine($"Configuration reloaded {clock.ElapsedMilliseconds} ms after the settings file was written");
    }

    private async Task<Uri> StartInstanceAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => Results.Text(name));
        await app.StartAsync();
        _instances.Add(app);
        return new Uri(app.Urls.Single());
    }
}
