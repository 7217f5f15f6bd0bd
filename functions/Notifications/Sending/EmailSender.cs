using Dapper;
using Microsoft.Data.Sqlite;

namespace Serverless.Notifications.Sending;

/// <summary>The port to whatever delivers e-mail (in Azure: Communication Services or a provider).</summary>
public interface IEmailSender
{
    /// <summary>Sends within the caller's transaction where the adapter can; otherwise it must dedupe by notification id.</summary>
    Task SendAsync(SqliteConnection connection, SqliteTransaction transaction, Notification notification, string recipient);
}

/// <summary>Local adapter: "sends" by writing the mail to the notifications store, in the same transaction.</summary>
public sealed class StoredEmailSender(TimeProvider clock) : IEmailSender
{
    public Task SendAsync(SqliteConnection connection, SqliteTransaction transaction, Notification notification, string recipient) =>
        connection.ExecuteAsync(
            "INSERT INTO sent_emails (notification_id, recipient, subject, sent_at) VALUES (@Id, @recipient, @subject, @at) ON CONFLICT DO NOTHING",
            new { notification.Id, recipient, subject = $"Your order {notification.OrderId}: {notification.Type}", at = clock.GetUtcNow().ToString("O") }, transaction);
}
