using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.BuildingBlocks.Storage.Sqlite;

/// <summary>A change as the feed hands it out: its position in the store's feed and the event.</summary>
public sealed record FeedEntry(long Position, IntegrationEvent Event);

/// <summary>
/// The transactional outbox on a service's own SQLite file: integration events are written in the
/// same transaction as the state change, so a change is never published without being committed,
/// nor committed without being published. The table is also the store's ordered change feed
/// (<c>position</c> only grows). In Cosmos the same rows are documents in the state's partition,
/// written in one transactional batch, and the change feed is Cosmos' own.
/// </summary>
public static class Outbox
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS outbox (
            position INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL UNIQUE,
            topic TEXT NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS feed_checkpoints (
            consumer TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            updated_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS inbox (
            consumer TEXT NOT NULL,
            message_id TEXT NOT NULL,
            PRIMARY KEY (consumer, message_id));
        """;

    public static Task AddAsync(SqliteConnection connection, SqliteTransaction transaction, IntegrationEvent e) =>
        connection.ExecuteAsync(
            "INSERT INTO outbox (message_id, topic, body) VALUES (@MessageId, @Topic, @body) ON CONFLICT (message_id) DO NOTHING",
            new { e.MessageId, e.Topic, body = e.Serialize() }, transaction);

    /// <summary>A consumer's checkpoint in a feed; it only moves forward. Pass the transaction that applied the batch.</summary>
    public static Task SaveCheckpointAsync(SqliteConnection connection, SqliteTransaction? transaction, string consumer, long position, DateTimeOffset at) =>
        connection.ExecuteAsync(
            """
            INSERT INTO feed_checkpoints (consumer, position, updated_at) VALUES (@consumer, @position, @at)
            ON CONFLICT (consumer) DO UPDATE SET position = MAX(position, excluded.position), updated_at = excluded.updated_at
            """,
            new { consumer, position, at = at.ToString("O") }, transaction);

    /// <summary>
    /// Idempotent consumer: records (consumer, message id) in the consumer's own transaction. False when
    /// the message was handled before; then the caller changes nothing.
    /// </summary>
    public static async Task<bool> TryMarkHandledAsync(SqliteConnection connection, SqliteTransaction transaction, string consumer, string messageId) =>
        await connection.ExecuteAsync(
            "INSERT INTO inbox (consumer, message_id) VALUES (@consumer, @messageId) ON CONFLICT DO NOTHING",
            new { consumer, messageId }, transaction) == 1;
}
