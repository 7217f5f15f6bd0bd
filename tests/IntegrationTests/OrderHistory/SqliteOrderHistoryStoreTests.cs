using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.OrderHistory.Parking;
using Serverless.OrderHistory.Projecting;
using Serverless.OrderHistory.Storage.Sqlite;
using static Serverless.IntegrationTests.OrderHistory.HistoryEvents;

namespace Serverless.IntegrationTests.OrderHistory;

/// <summary>The order-history store contract against SQLite, each store on its own file; plus the feed checkpoint moving with its batch.</summary>
public sealed class SqliteOrderHistoryStoreTests : OrderHistoryStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "history-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<IOrderHistoryStore, SqliteDatabase> _databases = [];

    protected override Task<IOrderHistoryStore> CreateStoreAsync(ApplyEvent? apply) => Task.FromResult<IOrderHistoryStore>(CreateSqliteStore(apply));

    protected override IOrderHistoryStore Reopen(IOrderHistoryStore store, ApplyEvent? apply)
    {
        var db = _databases[store];
        var reopened = new SqliteOrderHistoryStore(db, TimeProvider.System, apply: apply);
        _databases.Add(reopened, db);
        return reopened;
    }

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

    [Fact]
    public async Task ABatchFromAFeed_WithAPoisonEvent_StillMovesItsCheckpoint()
    {
        // Given a store whose projection throws on one event of a batch read up to position 12
        var batch = Confirmed("order-a", "alice", 1m).Append(Placed("order-b", "bob", 2m)).ToList();
        var store = CreateSqliteStore(FailingOn(batch[0].MessageId));

        // When the batch is applied with its checkpoint
        await store.ApplyAsync(batch, new FeedCheckpoint("feed:orders", 12));

        // Then the checkpoint passed the batch, the others applied, the poison one is parked
        Assert.Equal(12, await store.CheckpointAsync("feed:orders"));
        Assert.Single(await store.ForCustomerAsync("bob"));
        Assert.Equal(4, Assert.Single(await store.ForCustomerAsync("alice")).Timeline.Count);
        Assert.Equal(PoisonIsolation.Attempts, Assert.Single(await store.ParkedAsync()).Attempts);
    }

    private SqliteOrderHistoryStore CreateSqliteStore(ApplyEvent? apply = null)
    {
        var db = new SqliteDatabase(Path.Combine(_folder, $"history-{_databases.Count}.db"), SqliteOrderHistoryStore.Schema.WithMessaging());
        var store = new SqliteOrderHistoryStore(db, TimeProvider.System, apply: apply);
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
