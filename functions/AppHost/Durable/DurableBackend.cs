using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;

namespace Serverless.AppHost.Durable;

public sealed class DurableBackendOptions
{
    public const string Section = "Durable";

    public string TaskHub { get; set; } = "shoplocal";

    /// <summary>How soon an activity interrupted by a crash runs again (Durable's default is 5 minutes).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The options as the AppHost reads them (section <c>Durable</c>), so every caller starts the same backend.</summary>
    public static DurableBackendOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<DurableBackendOptions>() ?? new DurableBackendOptions();
}

/// <summary>
/// The Durable backend of the local host: the Durable Task gRPC task hub server (as a sidecar would
/// serve it) over the Azure Storage provider on Azurite, the same provider Durable Functions uses.
/// Orchestration state survives a crash of this process; an interrupted activity runs again after
/// the visibility timeout.
/// </summary>
public sealed class DurableBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DurableBackend(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="configureStorageClients">
    /// Optional: sees the blob, queue and table client options before the provider creates its clients
    /// (the engine benchmark adds a policy there that counts storage requests).
    /// </param>
    public static async Task<DurableBackend> StartAsync(string storageConnectionString, DurableBackendOptions options, int port, Action<ILoggingBuilder> logging,
        Action<Azure.Core.ClientOptions>? configureStorageClients = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "DurableBackend", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
            o.ServicesStopConcurrently = true;
        });
        builder.Services.AddSingleton<IHostLifetime, ManagedLifetime>();
        logging(builder.Logging);

        builder.Services.AddSingleton(sp => new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = StorageClients(storageConnectionString, configureStorageClients),
            TaskHubName = options.TaskHub,
            PartitionCount = 1,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            WorkItemQueueVisibilityTimeout = options.VisibilityTimeout,
            ControlQueueVisibilityTimeout = options.VisibilityTimeout,
            // The default of 10 concurrent activities is the bottleneck on Azurite (measured: ~11 -> ~17 sagas/s).
            MaxConcurrentTaskActivityWorkItems = 100,
            MaxConcurrentTaskOrchestrationWorkItems = 100,
            LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
        }));
        builder.Services.AddSingleton(sp => new RenewingOrchestrationService(sp.GetRequiredService<AzureStorageOrchestrationService>(), options.VisibilityTimeout / 3));
        builder.Services.AddSingleton<IOrchestrationService>(sp => sp.GetRequiredService<RenewingOrchestrationService>());
        builder.Services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<TaskHubGrpcServer>();

        var app = builder.Build();
        app.MapGrpcService<TaskHubGrpcServer>();

        // The task hub server starts the provider but never creates the task hub: do it here.
        var service = app.Services.GetRequiredService<AzureStorageOrchestrationService>();
        await service.CreateIfNotExistsAsync();
        await app.StartAsync();
        return new DurableBackend(app, new Uri($"http://127.0.0.1:{port}"));
    }

    private static StorageAccountClientProvider StorageClients(string connectionString, Action<Azure.Core.ClientOptions>? configure)
    {
        if (configure is null)
        {
            return new StorageAccountClientProvider(connectionString);
        }

        var blob = new Azure.Storage.Blobs.BlobClientOptions();
        var queue = new Azure.Storage.Queues.QueueClientOptions();
        var table = new Azure.Data.Tables.TableClientOptions();
        configure(blob);
        configure(queue);
        configure(table);
        return new StorageAccountClientProvider(
            StorageServiceClientProvider.ForBlob(connectionString, blob),
            StorageServiceClientProvider.ForQueue(connectionString, queue),
            StorageServiceClientProvider.ForTable(connectionString, table));
    }

    /// <summary>Bounded stop: the server would otherwise wait long for outstanding work items.</summary>
    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token);
        }

        var service = _app.Services.GetRequiredService<RenewingOrchestrationService>();
        await service.AbandonInFlightActivitiesAsync();
        try
        {
            await service.StopAsync(isForced: true).WaitAsync(TimeSpan.FromSeconds(3));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Leases expire on their own; a restart takes over.
        }

        await _app.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(3)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
