using Microsoft.Extensions.Configuration;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// Which bus, and how to reach it. <c>Bus:Provider</c> = <c>queues</c> | <c>servicebus</c>; when it is
/// not set: Service Bus if <c>Bus:FullyQualifiedNamespace</c> is set or <c>Bus:ConnectionString</c> is a
/// Service Bus one (<c>Endpoint=sb://</c>, also the emulator's), else queues if
/// <c>Bus:ConnectionString</c> is set (the local default, as before), else no bus.
/// Service Bus prefers the namespace with <c>DefaultAzureCredential</c> (managed identity, no keys)
/// over a connection string.
/// </summary>
public sealed record BusOptions(BusProvider Provider, string? ConnectionString, string? FullyQualifiedNamespace)
{
    public bool IsConfigured => Provider != BusProvider.None;

    /// <summary>Reads and checks the <c>Bus</c> settings; throws on a provider that cannot work with them.</summary>
    public static BusOptions From(IConfiguration configuration)
    {
        var connection = NullIfEmpty(configuration["Bus:ConnectionString"]);
        var ns = NullIfEmpty(configuration["Bus:FullyQualifiedNamespace"]);
        var serviceBusReachable = ns is not null || IsServiceBusConnectionString(connection);
        var provider = NullIfEmpty(configuration["Bus:Provider"]) switch
        {
            null when serviceBusReachable => BusProvider.ServiceBus,
            null => connection is null ? BusProvider.None : BusProvider.Queues,
            var p when p.Equals("queues", StringComparison.OrdinalIgnoreCase) => BusProvider.Queues,
            var p when p.Equals("servicebus", StringComparison.OrdinalIgnoreCase) => BusProvider.ServiceBus,
            var p => throw new InvalidOperationException($"Bus:Provider '{p}' is not a bus: use 'queues' or 'servicebus'."),
        };

        if (provider == BusProvider.Queues && (connection is null || IsServiceBusConnectionString(connection)))
        {
            throw new InvalidOperationException("Bus:Provider 'queues' needs Bus:ConnectionString, a storage (Azurite) connection string.");
        }

        if (provider == BusProvider.ServiceBus && !serviceBusReachable)
        {
            throw new InvalidOperationException(
                "Bus:Provider 'servicebus' needs Bus:FullyQualifiedNamespace (managed identity) or a Service Bus connection string (Endpoint=sb://...) in Bus:ConnectionString.");
        }

        return new BusOptions(provider, connection, provider == BusProvider.ServiceBus ? ns : null);
    }

    /// <summary>
    /// Whether <paramref name="user"/> (an outbox relay, a subscription) gets a bus. Locally, without one it simply
    /// waits (the outbox accumulates); in Azure mode (<c>Hosting:Target=azure</c>) a missing bus is an error, never a silent None.
    /// </summary>
    public static bool IsAvailableFor(IConfiguration configuration, string user)
    {
        if (From(configuration).IsConfigured)
        {
            return true;
        }

        return AzureSettings.IsAzure(configuration)
            ? throw new InvalidOperationException($"{user} needs a bus in Azure: set Bus:Provider=servicebus and Bus:FullyQualifiedNamespace (managed identity).")
            : false;
    }

    public static bool IsServiceBusConnectionString(string? value) =>
        value?.Contains("Endpoint=sb://", StringComparison.OrdinalIgnoreCase) == true;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
