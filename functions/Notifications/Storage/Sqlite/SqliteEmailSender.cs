using System.Globalization;
using Dapper;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.Notifications.Sending;

namespace Serverless.Notifications.Storage.Sqlite;

/// <summary>The local e-mail sender: "sends" by recording the mail in the notifications database, once per notification.</summary>
public sealed class SqliteEmailSender(SqliteDatabase db, TimeProvider clock) : IEmailSender
{
    public async Task SendAsync(Notification notification, string recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        await using var c = db.Open();
        await c.ExecuteAsync(
            "INSERT INTO sent_emails (notification_id, recipient, subject, sent_at) VALUES (@Id, @recipient, @Subject, @at) ON CONFLICT DO NOTHING",
            new { notification.Id, recipient, notification.Subject, at = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) });
    }
}
