using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Messaging;
using Serverless.Notifications.Sending;
using Serverless.Notifications.Storage.Sqlite;

namespace Serverless.IntegrationTests.Notifications;

/// <summary>The notification store contract against SQLite, each store on its own file.</summary>
public sealed class SqliteNotificationStoreTests : NotificationStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "notifications-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<INotificationStore, SqliteDatabase> _databases = [];

    protected override Task<(INotificationStore Store, IEmailSender Email)> CreateAsync()
    {
        var db = new SqliteDatabase(Path.Combine(_folder, $"notifications-{_databases.Count}.db"), SqliteNotificationStore.Schema.WithMessaging());
        var store = new SqliteNotificationStore(db);
        _databases.Add(store, db);
        return Task.FromResult<(INotificationStore, IEmailSender)>((store, new SqliteEmailSender(db, TimeProvider.System)));
    }

    protected override async Task<IReadOnlyList<(string Recipient, string Subject)>> SentAsync(INotificationStore store, string customerId, Notification notification)
    {
        await using var c = _databases[store].Open();
        return [.. await c.QueryAsync<(string, string)>("SELECT recipient, subject FROM sent_emails WHERE notification_id = @Id", new { notification.Id })];
    }

    protected override async Task CorruptAsync(INotificationStore store, string customerId, Notification notification)
    {
        await using var c = _databases[store].Open();
        Assert.Equal(1, await c.ExecuteAsync("UPDATE notifications SET at = 'not a time' WHERE id = @Id", new { notification.Id }));
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
