using System.Collections.ObjectModel;
using Microsoft.Azure.Cosmos;

namespace Serverless.BuildingBlocks.Storage.Cosmos;

/// <summary>One container of the layout, with the access pattern that chose its partition key.</summary>
public sealed record CosmosContainerSpec(string Service, string Container, string PartitionKeyPath, string Why);

/// <summary>
/// Database per service: every container the Cosmos adapters use, in one table. Locally the AppHost
/// (and the tests) create them from it; in Azure the Bicep templates create the same set (the
/// services' identities have data-plane roles only, so they never create containers themselves).
/// </summary>
public static class CosmosLayout
{
    /// <summary>Each service's change feed processors keep their leases (checkpoints) here, one lease document per consumer group and range.</summary>
    public const string Leases = "leases";

    public static readonly ReadOnlyCollection<CosmosContainerSpec> All = new List<CosmosContainerSpec>
    {
        new("inventory", "stock", "/sku", "Every stock change reads and writes one SKU; a reservation touches each of its SKUs in turn (no cross-partition transaction)."),
        new("inventory", "reservations", "/orderId", "Reserve, release and commit are keyed by the order: one reservation per order, the idempotency record of the saga step."),
        new("payments", "wallets", "/customerId", "One wallet per customer; every charge or refund is a single-partition save on it."),
        new("payments", "charges", "/orderId", "One charge per order: charge and refund are keyed by the order id the saga sends."),
        new("payments", Leases, "/id", "The outbox relay's change feed leases."),
        new("shipping", "shipments", "/orderId", "One shipment per order: book and cancel are keyed by the order id."),
        new("shipping", Leases, "/id", "The outbox relay's change feed leases."),
        new("orders", "orders", "/streamId", "Event store: a stream (one order) is one partition, so an append is one write in it and a load reads one partition; idempotency keys use the partition 'idem:{customerId}'."),
        new("orders", Leases, "/id", "The outbox relay's change feed leases."),
        new("order-history", "history", "/orderId", "The read model: one document per order, so each event's apply (with its dedupe) is one ETag-checked write; reading by customer is a cross-partition query."),
        new("order-history", "parked", "/orderId", "Events the projection could not apply, one document each (id from the message id), beside their order; listed for admins, cleared by a rebuild that applies them."),
        new("order-history", Leases, "/id", "The projection's change feed leases (one consumer group per source container)."),
        new("notifications", "notifications", "/customerId", "Read by customer; id '{orderId}:{type}' makes 'exactly one per type and order' a 409 on create."),
    }.AsReadOnly();

    public static string DatabaseName(CosmosOptions options, string service)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.DatabasePrefix + service;
    }

    public static CosmosContainerSpec Find(string service, string container) =>
        All.SingleOrDefault(c => c.Service == service && c.Container == container)
        ?? throw new InvalidOperationException($"No Cosmos container '{container}' for '{service}' in {nameof(CosmosLayout)}.");

    /// <summary>Creates the databases and containers that are missing (local server, emulator or a key-authorised account).</summary>
    public static async Task EnsureCreatedAsync(CosmosClient client, CosmosOptions options, IEnumerable<string>? services = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var wanted = services?.ToHashSet(StringComparer.Ordinal);
        foreach (var group in All.Where(c => wanted is null || wanted.Contains(c.Service)).GroupBy(c => c.Service))
        {
            Database database = await client.CreateDatabaseIfNotExistsAsync(DatabaseName(options, group.Key), cancellationToken: cancellationToken);
            foreach (var spec in group)
            {
                await database.CreateContainerIfNotExistsAsync(new ContainerProperties(spec.Container, spec.PartitionKeyPath), cancellationToken: cancellationToken);
            }
        }
    }
}
