using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;

namespace Serverless.IntegrationTests.Inventory.ReservingStock;

/// <summary>The reservation handlers under contention on SQLite: both stores in one file, as the service keeps them.</summary>
public sealed class SqliteConcurrentReservationsTests : ConcurrentReservationsContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "inventory-" + Guid.NewGuid().ToString("N")[..12]);

    protected override Task<(IAggregateStore<StockItem> Stock, IAggregateStore<Reservation> Reservations)> CreateStoresAsync()
    {
        var db = new SqliteDatabase(Path.Combine(_folder, "inventory.db"), SqliteAggregateStore.Schema.WithMessaging());
        return Task.FromResult<(IAggregateStore<StockItem>, IAggregateStore<Reservation>)>((
            new SqliteAggregateStore<StockItem>(db, TimeProvider.System, nameof(StockItem)),
            new SqliteAggregateStore<Reservation>(db, TimeProvider.System, nameof(Reservation))));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
