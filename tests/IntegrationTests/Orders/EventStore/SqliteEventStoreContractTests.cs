using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.Orders.Domain;
using Serverless.Orders.Storage.Sqlite;

namespace Serverless.IntegrationTests.Orders.EventStore;

/// <summary>The contract against the local adapter: each store on its own SQLite file in a temp folder.</summary>
public sealed class SqliteEventStoreContractTests : EventStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "orders-es-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<IOrderEventStore, SqliteDatabase> _databases = [];

    protected override Task<IOrderEventStore> CreateStoreAsync(int snapshotEvery = 50)
    {
        var db = new SqliteDatabase(Path.Combine(_folder, $"orders-{_databases.Count}.db"), SqliteOrderEventStore.Schema);
        var store = new SqliteOrderEventStore(db, TimeProvider.System, Options.Create(new OrderEventStoreOptions { SnapshotEvery = snapshotEvery }));
        _databases.Add(store, db);
        return Task.FromResult<IOrderEventStore>(store);
    }

    protected override async Task<IReadOnlyList<IntegrationEvent>> OutboxAsync(IOrderEventStore store, string orderId) =>
        (await new ChangeFeed(_databases[store], TimeProvider.System).ReadAsync(0, 1000)).Select(e => e.Event).Where(e => e.Subject == orderId).ToList();

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
