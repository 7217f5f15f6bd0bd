using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Azurite;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.IntegrationTests.Messaging;

/// <summary>A real Azurite of the tests' own (free ports, temp data), which a test may stop and start again.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "shop-bus-" + Guid.NewGuid().ToString("N")[..8]);
    public AzuriteOptions Options { get; } = new() { BlobPort = FreePort(), QueuePort = FreePort(), TablePort = FreePort() };

    public QueueServiceClient Queues => new(Options.ConnectionString, QueueMessageBus.ClientOptions);

    public async Task InitializeAsync() => await StartAsync();

    public async Task StartAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        _azurite = await AzuriteProcess.EnsureRunningAsync(Options, LocalSystem.FindRepoRoot(), DataDirectory, NullLogger.Instance, CancellationToken.None);
    }

    /// <summary>Stops Azurite: the bus is unavailable until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
            _azurite = null;
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition("azurite")]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>;
