using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Storage.Sqlite;

/// <summary>
/// Feeds the read model from one source's change feed, like a Cosmos change feed processor on that
/// service's container: reads after its own checkpoint, applies the batch and moves the checkpoint in
/// the same transaction (so each change has exactly one effect), then polls again. Locally the feed
/// is read over HTTP from the source (<c>GET /api/{source}/feed?after=N</c>), never its database.
/// </summary>
public sealed class SourceFeedConsumer(HistorySource source, IHttpClientFactory clients, SqliteOrderHistoryStore store, IServiceFaults faults, ProjectionLag lag, ILogger<SourceFeedConsumer> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private const int PageSize = 200;

    public string Checkpoint => "feed:" + source.Service;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var http = clients.CreateClient(source.Service);
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
                var batch = await http.ReadRemoteAsync(source.Service, await store.CheckpointAsync(Checkpoint), PageSize, stoppingToken);
                if (batch.Count == 0)
                {
                    lag.CaughtUp(source.Service);
                }
                else
                {
                    lag.Behind(source.Service, batch[0].Event.At);
                    await store.ApplyAsync([.. batch.Select(b => b.Event)], new FeedCheckpoint(Checkpoint, batch[^1].Position), stoppingToken);
                }

                failures = 0;
                if (batch.Count < PageSize)
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
                    logger.LogWarning("Order history cannot read the {Source} feed ({Failures} tries): {Error}", source.Service, failures, ex.Message);
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, failures)), stoppingToken);
            }
        }
    }
}
