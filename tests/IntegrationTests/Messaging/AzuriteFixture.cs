using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.AppHost;
using Serverless.AppHost.Azurite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Messaging.Queues;

namespace Serverless.IntegrationTests.Messaging;

/// <summary>A real Azurite of the tests' own (free ports, temp data), which a test may stop and start again.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "shop-bus-" + Guid.NewGuid().ToString("N")[..8]);
    public AzuriteOptions Options { get; } = NewOptions();

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

    /// <summary>Three distinct free ports: all held open until all are chosen.</summary>
    private static AzuriteOptions NewOptions()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            return new AzuriteOptions { BlobPort = ports[0], QueuePort = ports[1], TablePort = ports[2] };
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}

[CollectionDefinition("azurite")]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>;
