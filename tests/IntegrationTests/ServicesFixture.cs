using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Serverless.AppHost;
using Serverless.AppHost.LocalFunctions;

namespace Serverless.IntegrationTests;

/// <summary>
/// Identity, inventory, payments and shipping on the local function host (real Kestrel, real HTTP,
/// real SQLite files in a fresh temp folder), configured the way <see cref="LocalSystem"/> does it,
/// without Azurite or Durable: none of these four apps uses them.
/// </summary>
public sealed class ServicesFixture : IAsyncLifetime
{
    public const string Identity = "identity";
    public const string Inventory = "inventory";
    public const string Payments = "payments";
    public const string Shipping = "shipping";

    private static readonly string[] Started = [Identity, Inventory, Payments, Shipping];

    private readonly List<WebApplication> _apps = [];
    private readonly Dictionary<string, IConfiguration> _appConfigurations = [];
    private readonly Dictionary<string, Uri> _addresses = [];
    private readonly ConcurrentDictionary<string, string> _tokens = new();
    private readonly SocketsHttpHandler _handler = new();
    private IConfigurationRoot _configuration = null!;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "serverless-it-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The local config store: a watched JSON file, read by every service at run time.</summary>
    public string SettingsFile => Path.Combine(DataDirectory, "settings.json");

    public IConfiguration Configuration => _configuration;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        await File.WriteAllTextAsync(SettingsFile, "{}\n");

        var appsettings = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (!File.Exists(appsettings))
        {
            throw new InvalidOperationException($"The AppHost's appsettings.json was not copied to the test output ({appsettings}).");
        }

        foreach (var (name, port) in Started.Zip(FreePorts(Started.Length)))
        {
            _addresses[name] = new Uri($"http://127.0.0.1:{port}/");
        }

        var discovery = _addresses.ToDictionary(a => $"Services:{a.Key}:http:0", a => (string?)a.Value.ToString());
        discovery["Storage:DataDirectory"] = DataDirectory;

        // Later sources win: the watched settings file overrides appsettings, as the config store does.
        _configuration = new ConfigurationBuilder()
            .AddJsonFile(appsettings, optional: false)
            .AddInMemoryCollection(discovery)
            .AddJsonFile(SettingsFile, optional: false, reloadOnChange: true)
            .Build();
        if (string.IsNullOrEmpty(_configuration["LocalHost:ClientSecrets:orders"]) || string.IsNullOrEmpty(_configuration["Identity:Users:alice:PasswordHash"]))
        {
            throw new InvalidOperationException($"{appsettings} is not the AppHost's appsettings.json.");
        }

        // Identity first: the others read its JWKS.
        foreach (var name in Started)
        {
            var definition = FunctionAppDefinition.All.Single(d => d.Name == name);
            var own = new Dictionary<string, string?>
            {
                ["Auth:ClientId"] = name,
                ["Auth:ClientSecret"] = _configuration[$"LocalHost:ClientSecrets:{name}"],
            };
            var appConfiguration = new ConfigurationBuilder().AddConfiguration(_configuration).AddInMemoryCollection(own).Build();
            var app = FunctionAppHost.Build(definition, appConfiguration, _addresses[name].Port, durable: null, LocalSystem.ConfigureLogging);
            _apps.Add(app);
            _appConfigurations[name] = app.Configuration;
            await app.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        for (var i = _apps.Count - 1; i >= 0; i--)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _apps[i].StopAsync(timeout.Token);
            await _apps[i].DisposeAsync();
        }

        _handler.Dispose();
        (_configuration as IDisposable)?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
    }

    public Uri AddressOf(string service) => _addresses[service];

    /// <summary>The configuration a started service runs with (what the local host handed it).</summary>
    public IConfiguration ConfigurationOf(string service) => _appConfigurations[service];

    /// <summary>A client for one service; with a token, every call carries it as a bearer token.</summary>
    public HttpClient ClientFor(string service, string? token = null)
    {
        var client = new HttpClient(_handler, disposeHandler: false) { BaseAddress = _addresses[service], Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>A token for a local demo user (<c>alice</c>, <c>bob</c>, <c>admin</c>) or a service client's own (<c>orders</c>, <c>order-history</c>, <c>web-bff</c>).</summary>
    public async Task<string> TokenAsync(string user)
    {
        if (_tokens.TryGetValue(user, out var cached))
        {
            return cached;
        }

        object credentials = _configuration[$"LocalHost:ClientSecrets:{user}"] is { Length: > 0 } secret
            ? new { clientId = user, clientSecret = secret }
            : new { username = user, password = user + "-password" };
        using var identity = ClientFor(Identity);
        using var response = await identity.PostAsJsonAsync("auth/token", credentials);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"No token for {user}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        return _tokens.GetOrAdd(user, token);
    }

    /// <summary>The saga's token: the orders client, scoped to reserve, charge and book (and their undos).</summary>
    public Task<string> ServiceTokenAsync() => TokenAsync("orders");

    /// <summary>Replaces the config store's content; services see it once the file watcher has reloaded it.</summary>
    public Task WriteSettingsAsync(object settings) =>
        File.WriteAllTextAsync(SettingsFile, JsonSerializer.Serialize(settings));

    /// <summary>An id no other test uses.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>Distinct free loopback ports: every listener stays open until all ports are known.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ServicesCollection : ICollectionFixture<ServicesFixture>
{
    public const string Name = "services";
}
