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

/// <summary>
/// Reads a change feed from its checkpoint in batches, hands each batch over, then moves the checkpoint.
/// With <paramref name="replay"/> (the outbox relay on a bus that can lose acknowledged messages, see
/// <see cref="RelayReplay"/>) it also keeps a settled checkpoint (<c>{consumer}:settled</c>) and starts
/// from there, so what it published in its last seconds before a crash is published again.
/// </summary>
public sealed class ChangeFeedProcessor(
    string consumer, ChangeFeed feed, Func<IReadOnlyList<FeedEntry>, CancellationToken, Task> handle, ILogger logger, TimeSpan? pollInterval = null,
    Hosting.IServiceFaults? faults = null, RelayReplay? replay = null, TimeProvider? clock = null) : BackgroundService
{
    public const int BatchSize = 100;
    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(50);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public string SettledConsumer => consumer + ":settled";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        long? from = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (faults.IsDown())
            {
                await Task.Delay(_poll, stoppingToken);
                continue;
            }

            try
            {
                from ??= await StartPositionAsync();
                var batch = await feed.ReadAsync(from.Value, BatchSize);
                if (batch.Count > 0)
                {
                    await handle(batch, stoppingToken);
                    await feed.SaveCheckpointAsync(consumer, batch[^1].Position);
                    from = batch[^1].Position;
                    replay?.Published(batch[^1].Position, _clock.GetUtcNow());
                    failures = 0;
                }

                if (replay?.Settle(_clock.GetUtcNow()) is { } settled)
                {
                    await feed.SaveCheckpointAsync(SettledConsumer, settled);
                }

                if (batch.Count < BatchSize)
                {
                    await Task.Delay(_poll, stoppingToken);
                }
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

    /// <summary>The checkpoint; with replay, the settled one (everything after it is published again).</summary>
    private async Task<long> StartPositionAsync()
    {
        var checkpoint = await feed.CheckpointAsync(consumer);
        if (replay is null)
        {
            return checkpoint;
        }

        var settled = Math.Min(checkpoint, await feed.CheckpointAsync(SettledConsumer));
        if (settled < checkpoint)
        {
            logger.LogInformation(
                "Change feed consumer {Consumer} publishes positions {From} to {To} again: they went to the bus within {Window} before the last stop, and the local bus may have lost them",
                consumer, settled + 1, checkpoint, replay.Window);
        }

        return settled;
    }
}
