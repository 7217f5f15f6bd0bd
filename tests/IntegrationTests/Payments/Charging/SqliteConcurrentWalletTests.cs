using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.Payments;

namespace Serverless.IntegrationTests.Payments.Charging;

/// <summary>Concurrent writers on one wallet, on payments' SQLite file (wallets and charges in one file, events in its outbox).</summary>
public sealed class SqliteConcurrentWalletTests : ConcurrentWalletContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "payments-" + Guid.NewGuid().ToString("N")[..12]);
    private SqliteDatabase? _db;

    protected override Task<(IAggregateStore<Wallet> Wallets, IAggregateStore<Charge> Charges)> CreateStoresAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_folder, "payments.db"), SqliteAggregateStore.Schema.WithMessaging());
        return Task.FromResult<(IAggregateStore<Wallet>, IAggregateStore<Charge>)>((
            new SqliteAggregateStore<Wallet>(_db, TimeProvider.System, nameof(Wallet)),
            new SqliteAggregateStore<Charge>(_db, TimeProvider.System, nameof(Charge))));
    }

    protected override async Task<IReadOnlyList<IntegrationEvent>> SavedChargeEventsAsync() =>
        (await new ChangeFeed(_db!, TimeProvider.System).ReadAsync(0, 1000)).Select(e => e.Event).ToList();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
