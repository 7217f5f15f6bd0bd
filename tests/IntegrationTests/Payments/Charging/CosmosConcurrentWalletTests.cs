using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.IntegrationTests.Cosmos;
using Serverless.Payments;

namespace Serverless.IntegrationTests.Payments.Charging;

/// <summary>Concurrent writers on one wallet, on the local Cosmos server: payments' wallets and charges containers in a fresh database.</summary>
[Collection("cosmos")]
public sealed class CosmosConcurrentWalletTests(CosmosServerFixture cosmos) : ConcurrentWalletContract
{
    private Container? _charges;

    protected override async Task<(IAggregateStore<Wallet> Wallets, IAggregateStore<Charge> Charges)> CreateStoresAsync()
    {
        Database database = await cosmos.Client.CreateDatabaseAsync("payments-" + Guid.NewGuid().ToString("N")[..10]);
        var wallets = await CreateAsync(database, "wallets");
        _charges = await CreateAsync(database, "charges");
        return (Store<Wallet>(wallets, "wallets"), Store<Charge>(_charges, "charges"));
    }

    protected override async Task<IReadOnlyList<IntegrationEvent>> SavedChargeEventsAsync()
    {
        var events = new List<IntegrationEvent>();
        await foreach (var doc in CosmosQueries.QueryAsync(_charges!, new QueryDefinition("SELECT c.events FROM c"), partitionKey: null))
        {
            events.AddRange(doc.GetProperty("events").Deserialize<List<IntegrationEvent>>(IntegrationEvent.Json)!);
        }

        return events;
    }

    private static async Task<Container> CreateAsync(Database database, string name) =>
        (await database.CreateContainerAsync(new ContainerProperties(name, CosmosLayout.Find(PaymentsModule.Service, name).PartitionKeyPath))).Container;

    private static CosmosAggregateStore<T> Store<T>(Container container, string name)
        where T : class =>
        new(container, CosmosLayout.Find(PaymentsModule.Service, name).PartitionKeyPath.TrimStart('/'), TimeProvider.System, typeof(T).Name);
}
