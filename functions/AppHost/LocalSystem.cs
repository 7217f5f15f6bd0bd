using Serverless.BuildingBlocks.Hosting;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Serverless.AppHost.Azurite;
using Serverless.AppHost.Cosmos;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.AppHost.Durable;
using Serverless.AppHost.Gateway;
using Serverless.AppHost.LocalFunctions;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Messaging.Queues;
using Azure.Storage.Queues;

namespace Serverless.AppHost;

/// <summary>
/// The whole system on one machine: Azurite, the Durable backend, every Function App on its own
/// loopback port, and the gateway in front. Started in that order, stopped in reverse: the gateway,
/// then the Function Apps side by side, then the Durable backend, then the stores; each stop bounded,
/// so Ctrl+C always ends.
/// </summary>
public sealed class LocalSystem : IAsyncDisposable
{
    /// <summary>
    /// Every span that ends in this process, per trace, for <c>GET /ops/traces/{traceId}</c>; within
    /// <c>LocalHost:SpanStoreMegabytes</c> (64 MiB unless set), replaced on start once that is read.
    /// </summary>
    public static Telemetry.SpanStore Recorded { get; private set; } = new(Telemetry.SpanOwners.UntaggedComponent);

    /// <summary>
    /// Records every span in-process, so ASP.NET Core, HttpClient, YARP and the messaging code create
    /// activities and W3C trace context flows end to end (requests, saga calls, outbox messages), and
    /// each ended span lands in <see cref="Recorded"/>.
    /// </summary>
    private static readonly System.Diagnostics.ActivityListener Spans = new()
    {
        ShouldListenTo = _ => true,
        Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
        ActivityStopped = activity => Recorded.Add(activity),
    };

    /// <summary>
    /// Every component's log lines in one place, for <c>GET /ops/logs</c>: in memory and in
    /// <c>{data folder}/logs/shop.jsonl</c> (one JSON object per line); replaced on start once the data folder is known.
    /// </summary>
    public static Telemetry.LogStore Logs { get; private set; } = new();

    /// <summary>How long one component may take to stop before Ctrl+C goes on without it (a Function App bounds its own stop at 8 s).</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(10);

    /// <summary>What was started, by layer: a layer stops (its components side by side) before the one it runs on.</summary>
    private readonly List<(int Layer, string Name, IAsyncDisposable Component)> _started = [];
    private readonly ILogger _logger;

    private LocalSystem(ILogger logger) => _logger = logger;

    public Uri GatewayAddress { get; private set; } = null!;

    public static async Task<LocalSystem> StartAsync(string[] args, CancellationToken cancellationToken)
    {
        var repoRoot = FindRepoRoot();
        var shared = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        var spanMegabytes = shared.GetValue("LocalHost:SpanStoreMegabytes", Telemetry.SpanStore.DefaultMaxBytes / (1024 * 1024));
        Recorded = new Telemetry.SpanStore(Telemetry.SpanOwners.UntaggedComponent, spanMegabytes * 1024 * 1024);
        System.Diagnostics.ActivitySource.AddActivityListener(Spans);
        var dataDirectory = Path.GetFullPath(shared["LocalHost:DataDirectory"] ?? Path.Combine(repoRoot, ".data"));
        Directory.CreateDirectory(dataDirectory);

        // The local config store: a watched JSON file per environment in the data folder (App Configuration's
        // label per environment), read by every service at run time.
        var environment = shared["DOTNET_ENVIRONMENT"] ?? shared["LocalHost:Environment"] ?? "Development";
        if (environment.Length == 0 || environment.Any(ch => !char.IsAsciiLetterOrDigit(ch) && ch is not '-' and not '_'))
        {
            throw new InvalidOperationException($"The environment name '{environment}' must be letters, digits, '-' or '_'.");
        }

        var settingsFile = Path.Combine(dataDirectory, "config", $"settings.{environment}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(settingsFile)!);
        if (!File.Exists(settingsFile))
        {
            await File.WriteAllTextAsync(settingsFile, "{}\n", cancellationToken);
        }

        await Logs.DisposeAsync();
        Logs = new Telemetry.LogStore(Path.Combine(dataDirectory, "logs", "shop.jsonl"));
        Logs.Redactor.Add(shared);
        var loggerFactory = LoggerFactory.Create(LoggingFor(HostComponent));
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(shared)
            .Add(new Configuration.LastGoodJsonFileSource(settingsFile, loggerFactory.CreateLogger("ConfigStore")))
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();

        Logs.Redactor.Add(configuration);
        var system = new LocalSystem(loggerFactory.CreateLogger("AppHost"));
        try
        {
            await system.StartAllAsync(repoRoot, dataDirectory, settingsFile, configuration, cancellationToken);
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }

        return system;
    }

    private async Task StartAllAsync(string repoRoot, string dataDirectory, string settingsFile, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        _logger.LogInformation("[1/4] Azurite (data folder {DataDirectory})", dataDirectory);
        var azurite = configuration.GetSection("Azurite").Get<AzuriteOptions>() ?? new AzuriteOptions();
        _started.Add((0, "azurite", await AzuriteProcess.EnsureRunningAsync(azurite, repoRoot, dataDirectory, _logger, cancellationToken)));
        var storage = await StartStorageAsync(repoRoot, dataDirectory, configuration, cancellationToken);

        _logger.LogInformation("[2/4] Durable backend (task hub server over Azure Storage on Azurite)");
        var durableOptions = DurableBackendOptions.From(configuration);
        // Every port is chosen at once, so no two components can be handed the same free port.
        var gatewayPort = int.TryParse(configuration["GATEWAY_PORT"], out var p) ? p : 8080;
        var ports = Ports(configuration, ["LocalHost:DurablePort", .. FunctionAppDefinition.All.Select(a => $"LocalHost:Ports:{a.Name}")],
            reserved: [gatewayPort, azurite.BlobPort, azurite.QueuePort, azurite.TablePort, .. storage.Ports]);
        var backend = await DurableBackend.StartAsync(azurite.ConnectionString, durableOptions, ports["LocalHost:DurablePort"], LoggingFor(HostComponent));
        _started.Add((1, "durable backend", backend));
        var durable = new DurableConnection(backend.Address);

        // Service registry, local mode: every logical name starts at a loopback port chosen now. It is the
        // lowest layer, so the config store (the watched settings file) can move a service or add an instance.
        var addresses = FunctionAppDefinition.All.ToDictionary(a => a.Name, a => new Uri($"http://127.0.0.1:{ports[$"LocalHost:Ports:{a.Name}"]}/"));
        var registry = addresses.ToDictionary(a => $"Services:{a.Key}:http:0", a => (string?)a.Value.ToString());
        var hostOwned = new Dictionary<string, string?>(storage.Settings)
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["LocalHost:SettingsFile"] = settingsFile,
            ["Bus:ConnectionString"] = azurite.ConnectionString,
        };
        Logs.Redactor.Add(new ConfigurationBuilder().AddInMemoryCollection(hostOwned).Build());
        IConfiguration Layered(IDictionary<string, string?> own) =>
            new ConfigurationBuilder().AddInMemoryCollection(registry).AddConfiguration(configuration).AddInMemoryCollection(own).Build();

        // The bus: one queue (and one poison queue) per subscription, created before anyone publishes
        // (unless Bus:Provider points the services at Service Bus, which creates its own entities).
        var busConfiguration = Layered(hostOwned);
        if (BusOptions.From(busConfiguration).Provider == BusProvider.Queues)
        {
            await new QueueMessageBus(new QueueServiceClient(azurite.ConnectionString, QueueMessageBus.ClientOptions), new BusTopology(busConfiguration))
                .EnsureQueuesAsync(cancellationToken);
        }

        var faults = new FaultSwitchboard([.. FunctionAppDefinition.All.Select(a => a.Name), BusFaults.Name]);
        var busFaults = new BusFaults(faults.For(BusFaults.Name));
        _logger.LogInformation("[3/4] Function Apps: {Apps}", string.Join(", ", addresses.Select(a => $"{a.Key} {a.Value}")));
        foreach (var definition in FunctionAppDefinition.All)
        {
            var own = new Dictionary<string, string?>(hostOwned)
            {
                ["Auth:ClientId"] = definition.Name,
                ["Auth:ClientSecret"] = configuration[$"LocalHost:ClientSecrets:{definition.Name}"],
            };
            var appConfiguration = Layered(own);
            var app = FunctionAppHost.Build(definition, appConfiguration, addresses[definition.Name].Port, durable, LoggingFor(definition.Name), faults.For(definition.Name), busFaults);
            await app.StartAsync(cancellationToken);
            _started.Add((2, definition.Name, new StoppableApp(app)));
        }

        _logger.LogInformation("[4/4] Gateway on http://127.0.0.1:{Port}", gatewayPort);
        var gateway = GatewayApp.Build(OwnSettings.For("gateway", Layered(hostOwned)), gatewayPort, [.. addresses.Keys], LoggingFor("gateway"), faults, settingsFile, Recorded, Logs);
        await gateway.StartAsync(cancellationToken);
        _started.Add((3, "gateway", new StoppableApp(gateway)));
        GatewayAddress = new Uri($"http://127.0.0.1:{gatewayPort}/");
        _logger.LogInformation("Started in {Seconds:F1} s. Gateway: {Gateway} (GET /health). Ctrl+C stops everything.", (DateTime.UtcNow - started).TotalSeconds, GatewayAddress);
    }

    /// <summary>
    /// The stores' back end: SQLite files need nothing started; in Cosmos mode (<c>Storage:Provider=cosmos</c>)
    /// the local Cosmos DB server is started (or reused) and every database and container of
    /// <see cref="CosmosLayout"/> created, as the Bicep templates do in Azure.
    /// </summary>
    private async Task<(IReadOnlyDictionary<string, string?> Settings, int[] Ports)> StartStorageAsync(
        string repoRoot, string dataDirectory, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var provider = StorageOptions.Provider(configuration);
        if (provider != StorageOptions.Cosmos)
        {
            _logger.LogInformation("Storage: SQLite, a file per service under {DataDirectory}", dataDirectory);
            return (new Dictionary<string, string?> { [StorageOptions.ProviderKey] = provider }, []);
        }

        // COSMOS_ENDPOINT (an emulator or a real account; COSMOS_KEY, else Entra ID) replaces the local server.
        CosmosOptions cosmos;
        var ports = Array.Empty<int>();
        if (configuration["COSMOS_ENDPOINT"] is { Length: > 0 } endpoint)
        {
            cosmos = new CosmosOptions { Endpoint = endpoint, Key = configuration["COSMOS_KEY"] is { Length: > 0 } key ? key : null };
        }
        else
        {
            var serverOptions = configuration.GetSection("CosmosServer").Get<CosmosServerOptions>() ?? new CosmosServerOptions();
            var server = await CosmosServerProcess.EnsureRunningAsync(serverOptions, repoRoot, dataDirectory, _logger, cancellationToken);
            _started.Add((0, "cosmos server", server));
            cosmos = new CosmosOptions { Endpoint = server.Options.Endpoint, Key = server.Options.Key };
            ports = [server.Options.Port];
        }

        using (var client = CosmosClientFactory.Create(cosmos))
        {
            await CosmosLayout.EnsureCreatedAsync(client, cosmos, cancellationToken: cancellationToken);
        }

        _logger.LogInformation("Storage: Cosmos DB ({Endpoint}), a database per service", cosmos.Endpoint);
        return (new Dictionary<string, string?>
        {
            [StorageOptions.ProviderKey] = provider,
            ["Cosmos:Endpoint"] = cosmos.Endpoint,
            ["Cosmos:Key"] = cosmos.Key,
        }, ports);
    }

    public async ValueTask DisposeAsync()
    {
        _logger.LogInformation("Stopping...");
        foreach (var layer in _started.GroupBy(c => c.Layer).OrderByDescending(g => g.Key))
        {
            await Task.WhenAll(layer.Select(c => StopAsync(c.Name, c.Component)));
        }

        _started.Clear();
        _logger.LogInformation("Stopped");
        await Logs.FlushAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task StopAsync(string name, IAsyncDisposable component)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await component.DisposeAsync().AsTask().WaitAsync(StopBound);
            _logger.Log(clock.Elapsed > TimeSpan.FromSeconds(2) ? LogLevel.Information : LogLevel.Debug,
                "Stopped {Component} in {Milliseconds} ms", name, clock.ElapsedMilliseconds);
        }
        catch (TimeoutException)
        {
            // Whatever it still holds is the next start's to recover (leases expire, the reconciler restarts sagas).
            _logger.LogWarning("{Component} did not stop within {Seconds} s; going on without it", name, StopBound.TotalSeconds);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Stopping {Component} failed", name);
        }
    }

    /// <summary>The component name of the host's own lines (as <c>/ops/traces</c> names its spans).</summary>
    public const string HostComponent = "apphost";

    /// <summary>Logging for one component: the console (<see cref="ConfigureLogging"/>) and the shared log store, as <paramref name="component"/>.</summary>
    public static Action<ILoggingBuilder> LoggingFor(string component) => logging =>
    {
        ConfigureLogging(logging);
        logging.AddProvider(new Telemetry.LogStoreProvider(Logs, component));
    };

    public static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        logging.SetMinimumLevel(LogLevel.Information);
        // The gateway's access log goes to the log store; the console keeps its warnings only.
        logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(Gateway.GatewayApp.RequestLogCategory, LogLevel.Warning);
        if (Environment.GetEnvironmentVariable("LOCALHOST_VERBOSE") == "1")
        {
            return;
        }

        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Yarp", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
        logging.AddFilter("DurableTask", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        logging.AddFilter("Polly", LogLevel.Warning); // every HTTP attempt otherwise; retries and breaker changes still show
    }

    /// <summary>
    /// For each key, the configured port or a free loopback port. The free ones are all held open
    /// until every one is chosen, so the same port is never handed out twice.
    /// </summary>
    private static Dictionary<string, int> Ports(IConfiguration configuration, IReadOnlyList<string> keys, IEnumerable<int> reserved)
    {
        var listeners = new List<TcpListener>();
        try
        {
            var ports = keys.Where(k => int.TryParse(configuration[k], out var p) && p > 0).ToDictionary(k => k, k => int.Parse(configuration[k]!, System.Globalization.CultureInfo.InvariantCulture));
            var taken = ports.Values.Concat(reserved).ToHashSet();
            foreach (var key in keys.Where(k => !ports.ContainsKey(k)))
            {
                int port;
                do
                {
                    var listener = new TcpListener(IPAddress.Loopback, 0);
                    listener.Start();
                    listeners.Add(listener);
                    port = ((IPEndPoint)listener.LocalEndpoint).Port;
                }
                while (!taken.Add(port)); // never one that is reserved or configured for something else

                ports[key] = port;
            }

            return ports;
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    /// <summary>The folder holding Serverless.sln: from the working directory, else from this program's folder.</summary>
    public static string FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run the AppHost from inside the repository (Serverless.sln not found).");
    }

    private sealed class StoppableApp(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(timeout.Token);
            await app.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
