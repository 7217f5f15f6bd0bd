using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Storage.Sqlite;
using static Serverless.IntegrationTests.OrderHistory.HistoryEvents;

namespace Serverless.IntegrationTests.OrderHistory;

/// <summary>The order-history store contract against SQLite, each store on its own file; plus the feed checkpoint moving with its batch.</summary>
public sealed class SqliteOrderHistoryStoreTests : OrderHistoryStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "history-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<IOrderHistoryStore, SqliteDatabase> _databases = [];

    protected override Task<IOrderHistoryStore> CreateStoreAsync() => Task.FromResult<IOrderHistoryStore>(CreateSqliteStore());

    protected override async Task CorruptAsync(IOrderHistoryStore store, string orderId)
    {
        await using var c = _databases[store].Open();
        Assert.True(await c.ExecuteAsync("UPDATE history_timeline SET at = 'not a time' WHERE order_id = @orderId", new { orderId }) > 0);
    }

    [Fact]
    public async Task ABatchFromAFeed_MovesItsCheckpoint_InTheSameTransaction_OrNotAtAll()
    {
        // Given a store at checkpoint 0
        var store = CreateSqliteStore();

        // When one batch applies up to position 7, and a second, refused batch would have moved it to 9
        await store.ApplyAsync([Placed("order-a", "alice", 1m)], new FeedCheckpoint("feed:orders", 7));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ApplyAsync([Placed("a/b", "alice", 1m)], new FeedCheckpoint("feed:orders", 9)));

        // Then the checkpoint is where the applied batch left it
        Assert.Equal(7, await store.CheckpointAsync("feed:orders"));
        Assert.Single(await store.ReadAllAsync());
    }

    private SqliteOrderHistoryStore CreateSqliteStore()
    {
        var db = new SqliteDatabase(Path.Combine(_folder, $"history-{_databases.Count}.db"), SqliteOrderHistoryStore.Schema.WithMessaging());
        var store = new SqliteOrderHistoryStore(db, TimeProvider.System);
        _databases.Add(store, db);
        return store;
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
