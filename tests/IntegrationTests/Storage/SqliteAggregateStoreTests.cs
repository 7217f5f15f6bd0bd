using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.IntegrationTests.Storage;

/// <summary>The aggregate store contract against SQLite: each store on its own file in a temp folder.</summary>
public sealed class SqliteAggregateStoreTests : AggregateStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "aggregates-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<IAggregateStore<Counter>, SqliteDatabase> _databases = [];

    protected override Task<IAggregateStore<Counter>> CreateStoreAsync()
    {
        var db = new SqliteDatabase(Path.Combine(_folder, $"store-{_databases.Count}.db"), SqliteAggregateStore.Schema.WithMessaging());
        var store = new SqliteAggregateStore<Counter>(db, TimeProvider.System, nameof(Counter));
        _databases.Add(store, db);
        return Task.FromResult<IAggregateStore<Counter>>(store);
    }

    protected override async Task<IReadOnlyList<IntegrationEvent>> SavedEventsAsync(IAggregateStore<Counter> store, string id) =>
        (await new ChangeFeed(_databases[store], TimeProvider.System).ReadAsync(0, 1000)).Select(e => e.Event).Where(e => e.Subject == id).ToList();

    protected override async Task CorruptAsync(IAggregateStore<Counter> store, string id)
    {
        await using var c = _databases[store].Open();
        Assert.Equal(1, await c.ExecuteAsync("UPDATE aggregates SET state = '{\"value\": \"not a number\"' WHERE id = @id", new { id }));
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
