using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.BuildingBlocks.Storage.Sqlite;

/// <summary>
/// A store's ordered change feed with durable per-consumer checkpoints, like the Cosmos change feed
/// processor's leases: a consumer resumes after its checkpoint, so delivery is at-least-once and
/// nothing is skipped after a crash.
/// </summary>
public sealed class ChangeFeed(SqliteDatabase db, TimeProvider clock)
{
    public async Task<IReadOnlyList<FeedEntry>> ReadAsync(long after, int max)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<(long Position, string Body)>(
            "SELECT position, body FROM outbox WHERE position > @after ORDER BY position LIMIT @max", new { after, max });
        return rows.Select(r => new FeedEntry(r.Position, IntegrationEvent.Deserialize(r.Body))).ToList();
    }

    public async Task<long> CheckpointAsync(string consumer)
    {
        await using var c = db.Open();
        return await c.QuerySingleOrDefaultAsync<long?>("SELECT position FROM feed_checkpoints WHERE consumer = @consumer", new { consumer }) ?? 0;
    }

    public async Task SaveCheckpointAsync(string consumer, long position)
    {
        await using var c = db.Open();
        await Outbox.SaveCheckpointAsync(c, null, consumer, position, clock.GetUtcNow());
    }
}

/// <summary>Reads a change feed from its checkpoint in batches, hands each batch over, then moves the checkpoint.</summary>
public sealed class ChangeFeedProcessor(
    string consumer, ChangeFeed feed, Func<IReadOnlyList<FeedEntry>, CancellationToken, Task> handle, ILogger logger, TimeSpan? pollInterval = null,
    Hosting.IServiceFaults? faults = null) : BackgroundService
{
    public const int BatchSize = 100;
    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (faults.IsDown())
            {
                await Task.Delay(_poll, stoppingToken);
                continue;
            }

            try
            {
                var batch = await feed.ReadAsync(await feed.CheckpointAsync(consumer), BatchSize);
                if (batch.Count > 0)
                {
                    await handle(batch, stoppingToken);
                    await feed.SaveCheckpointAsync(consumer, batch[^1].Position);
                    failures = 0;
                    if (batch.Count == BatchSize)
                    {
                        continue;
                    }
                }

                await Task.Delay(_poll, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Not checkpointed: the same batch comes again after a backoff.
                failures++;
                logger.LogWarning("Change feed consumer {Consumer} failed ({Failures} in a row): {Error}", consumer, failures, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(failures, 10)))), stoppingToken);
            }
        }
    }
}
