using Microsoft.Extensions.Logging;
using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Rebuilding;

public sealed record RebuildResult(int Orders, int Events, bool MatchesLive, bool Swapped);

/// <summary>
/// Replays the sources' change feeds from the beginning into a fresh model (in memory), compares it
/// with the live one and, when asked, swaps it in. The swap keeps what the live model applied from
/// events the replay never read (they arrived while it ran), so it loses nothing that flows meanwhile.
/// </summary>
public sealed class HistoryRebuilder(ISourceReplay sources, IOrderHistoryStore live, ILogger<HistoryRebuilder> logger)
{
    public async Task<RebuildResult> RebuildAsync(bool swap, CancellationToken cancellationToken)
    {
        var rebuilt = new Dictionary<string, OrderHistoryView>(StringComparer.Ordinal);
        var replayed = new HashSet<string>(StringComparer.Ordinal);
        var events = 0;
        foreach (var source in HistorySources.All)
        {
            await foreach (var page in sources.ReadAsync(source, cancellationToken))
            {
                foreach (var e in page.Where(OrderHistoryView.Counts))
                {
                    if (!rebuilt.TryGetValue(e.Subject, out var view))
                    {
                        rebuilt[e.Subject] = view = new OrderHistoryView(e.Subject);
                    }

                    view.Apply(e);
                }

                replayed.UnionWith(page.Select(e => e.MessageId));
                events += page.Count;
            }
        }

        var matches = OrderHistoryView.SameModel(rebuilt.Values, await live.ReadAllAsync(cancellationToken));
        if (swap)
        {
            await live.ReplaceWithAsync(rebuilt.Values, replayed, cancellationToken);
        }

        logger.LogInformation("Order history rebuilt from {Events} events: {Orders} orders, matches live: {Matches}, swapped: {Swapped}", events, rebuilt.Count, matches, swap);
        return new RebuildResult(rebuilt.Count, events, matches, swap);
    }
}
