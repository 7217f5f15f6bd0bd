using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Messaging;
using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Rebuilding;

public sealed record RebuildResult(int Orders, int Events, bool MatchesLive, bool Swapped);

/// <summary>
/// Replays the sources' change feeds from the beginning into a fresh read model, compares it with
/// the live one and, when asked, swaps it in (one transaction). In Cosmos: a change feed processor
/// with a new lease container, started from the beginning.
/// </summary>
public sealed class HistoryRebuilder(IHttpClientFactory clients, SqliteDatabase live, ILogger<HistoryRebuilder> logger)
{
    public async Task<RebuildResult> RebuildAsync(bool swap, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetDirectoryName(live.FilePath)!, $"rebuild-{Guid.NewGuid():N}.db");
        var fresh = new SqliteDatabase(path, HistoryProjection.Schema);
        try
        {
            var events = 0;
            foreach (var source in HistoryProjection.Sources)
            {
                var http = clients.CreateClient(source);
                long after = 0;
                while (true)
                {
                    var batch = await http.ReadRemoteAsync(source, after, 500, cancellationToken);
                    if (batch.Count == 0)
                    {
                        break;
                    }

                    await fresh.WriteAsync(async (c, t) =>
                    {
                        foreach (var entry in batch)
                        {
                            await HistoryProjection.ApplyAsync(c, t, entry.Event);
                        }

                        return 0;
                    });
                    events += batch.Count;
                    after = batch[^1].Position;
                }
            }

            var rebuilt = await HistoryProjection.ReadAsync(fresh, null);
            var current = await HistoryProjection.ReadAsync(live, null);
            var matches = JsonSerializer.Serialize(rebuilt) == JsonSerializer.Serialize(current);
            if (swap)
            {
                await Swap(path);
            }

            logger.LogInformation("Order history rebuilt from {Events} events: {Orders} orders, matches live: {Matches}, swapped: {Swapped}", events, rebuilt.Count, matches, swap);
            return new RebuildResult(rebuilt.Count, events, matches, swap);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private Task Swap(string path) =>
        live.WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync($"ATTACH DATABASE '{path.Replace("'", "''", StringComparison.Ordinal)}' AS fresh", transaction: null);
            foreach (var sql in new[]
                     {
                         "DELETE FROM history_timeline", "INSERT INTO history_timeline SELECT * FROM fresh.history_timeline",
                         "DELETE FROM history_orders", "INSERT INTO history_orders SELECT * FROM fresh.history_orders",
                         $"DELETE FROM inbox WHERE consumer = '{HistoryProjection.Consumer}'", "INSERT INTO inbox SELECT * FROM fresh.inbox",
                     })
            {
                await c.ExecuteAsync(sql, transaction: t);
            }

            return 0;
        });
}
