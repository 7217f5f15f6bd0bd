using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Data;
using Serverless.Orders.Domain;

namespace Serverless.UnitTests.Orders.EventStore;

/// <summary>The contract against the local adapter: each store on its own SQLite file in a temp folder.</summary>
public sealed class SqliteEventStoreContractTests : EventStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "orders-es-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<IOrderEventStore, SqliteDatabase> _databases = [];

    protected override IOrderEventStore CreateStore(int snapshotEvery)
    {
        var db = new SqliteDatabase(Path.Combine(_folder, $"orders-{_databases.Count}.db"), OrderEventStore.Schema);
        var store = new OrderEventStore(db, TimeProvider.System, Options.Create(new OrderEventStoreOptions { SnapshotEvery = snapshotEvery }));
        _databases.Add(store, db);
        return store;
    }

    protected override async Task<IReadOnlyList<int>> SnapshotVersionsAsync(IOrderEventStore store, string orderId)
    {
        await using var c = _databases[store].Open();
        return (await c.QueryAsync<int>("SELECT version FROM snapshots WHERE stream_id = @orderId ORDER BY version", new { orderId })).ToList();
    }

    protected override async Task CorruptEventAsync(IOrderEventStore store, string orderId, int version)
    {
        await using var c = _databases[store].Open();
        Assert.Equal(1, await c.ExecuteAsync("UPDATE events SET data = 'not json' WHERE stream_id = @orderId AND version = @version", new { orderId, version }));
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
