using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;

namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>
/// One client per namespace for a whole service (AMQP connections are expensive), its sender per
/// topic, and the administration client. By namespace with <see cref="DefaultAzureCredential"/>
/// (managed identity in Azure; <c>AZURE_CLIENT_ID</c> picks a user-assigned one), or by a Service Bus
/// connection string (the emulator's: <c>Endpoint=sb://localhost;...;UseDevelopmentEmulator=true</c>).
/// </summary>
public sealed class ServiceBusConnection : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new(StringComparer.Ordinal);

    public ServiceBusConnection(BusOptions options, TokenCredential? credential = null)
    {
        if (options.FullyQualifiedNamespace is { } ns)
        {
            credential ??= new DefaultAzureCredential();
            Client = new ServiceBusClient(ns, credential);
            Administration = new ServiceBusAdministrationClient(ns, credential);
            Namespace = ns;
        }
        else if (BusOptions.IsServiceBusConnectionString(options.ConnectionString))
        {
            Client = new ServiceBusClient(options.ConnectionString);
            Administration = new ServiceBusAdministrationClient(options.ConnectionString);
            Namespace = Client.FullyQualifiedNamespace;
        }
        else
        {
            throw new InvalidOperationException("Service Bus needs Bus:FullyQualifiedNamespace or a Service Bus connection string (Endpoint=sb://...).");
        }
    }

    public ServiceBusClient Client { get; }

    public ServiceBusAdministrationClient Administration { get; }

    public string Namespace { get; }

    /// <summary>The topic's sender, made once and kept (it holds an AMQP link).</summary>
    public ServiceBusSender Sender(string topic) => _senders.GetOrAdd(topic, Client.CreateSender);

    /// <summary>Closes the senders and the connection.</summary>
    public ValueTask DisposeAsync() => Client.DisposeAsync();

    public void Dispose() => Client.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
