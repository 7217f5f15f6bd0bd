using System.Diagnostics;
using Serverless.BuildingBlocks.Telemetry;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.OrderHistory.Projecting;

/// <summary>
/// Feeds the read model from one source's change feed, like a Cosmos change feed processor on that
/// service's container: reads after its own checkpoint, applies the batch and moves the checkpoint in
/// the same transaction (so each change has exactly one effect), then polls again. Locally the feed
/// is read over HTTP from the source (<c>GET /api/{source}/feed?after=N</c>), never its database.
/// </summary>
public sealed class SourceFeedConsumer(string source, IHttpClientFactory clients, SqliteDatabase db, IServiceFaults faults, ProjectionLag lag, ILogger<SourceFeedConsumer> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public string Checkpoint => "feed:" + source;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var http = clients.CreateClient(source);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (faults.IsDown())
            {
                await Task.Delay(PollInterval, stoppingToken);
                continue;
            }

            try
            {
                long after;
                await using (var c = db.Open())
                {
                    after = await c.QuerySingleOrDefaultAsync<long?>("SELECT position FROM feed_checkpoints WHERE consumer = @Checkpoint", new { Checkpoint }) ?? 0;
                }

                var batch = await http.ReadRemoteAsync(source, after, 200, stoppingToken);
                if (batch.Count == 0)
                {
                    lag.CaughtUp(source);
                }
                else
                {
                    lag.Behind(source, batch[0].Event.At);
                    await db.WriteAsync(async (c, t) =>
                    {
                        foreach (var entry in batch)
                        {
                            // Each event is projected inside the trace it was raised in.
                            using var span = Tracing.StartSpan($"project {entry.Event.Type}", HistoryProjection.Consumer, entry.Event.TraceParent, ActivityKind.Consumer);
                            await HistoryProjection.ApplyAsync(c, t, entry.Event);
                        }

                        await Outbox.SaveCheckpointAsync(c, t, Checkpoint, batch[^1].Position, DateTimeOffset.UtcNow);
                        return batch.Count;
                    });
                }

                failures = 0;
                if (batch.Count < 200)
                {
                    await Task.Delay(PollInterval, stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The source is down or unreachable: the history keeps answering from what it has.
                failures++;
                if (failures == 1 || failures % 30 == 0)
                {
                    logger.LogWarning("Order history cannot read the {Source} feed ({Failures} tries): {Error}", source, failures, ex.Message);
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, failures)), stoppingToken);
            }
        }
    }
}
