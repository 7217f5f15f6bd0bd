using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.Inventory.Domain;
using Serverless.IntegrationTests.Cosmos;

namespace Serverless.IntegrationTests.Inventory.ReservingStock;

/// <summary>The reservation handlers under contention on Cosmos DB (the local server): the stock and reservations containers as CosmosLayout has them.</summary>
[Collection("cosmos")]
public sealed class CosmosConcurrentReservationsTests(CosmosServerFixture cosmos) : ConcurrentReservationsContract
{
    protected override async Task<(IAggregateStore<StockItem> Stock, IAggregateStore<Reservation> Reservations)> CreateStoresAsync()
    {
        var stock = CosmosLayout.Find("inventory", "stock");
        var reservations = CosmosLayout.Find("inventory", "reservations");
        return (
            new CosmosAggregateStore<StockItem>(await cosmos.CreateContainerAsync(stock.PartitionKeyPath), stock.PartitionKeyPath.TrimStart('/'), TimeProvider.System, nameof(StockItem)),
            new CosmosAggregateStore<Reservation>(await cosmos.CreateContainerAsync(reservations.PartitionKeyPath), reservations.PartitionKeyPath.TrimStart('/'), TimeProvider.System, nameof(Reservation)));
    }
}
