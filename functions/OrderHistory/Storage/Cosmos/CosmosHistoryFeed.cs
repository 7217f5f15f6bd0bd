using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage.Cosmos;
using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Storage.Cosmos;

/// <summary>
/// Feeds the read model in Cosmos: one change feed processor per source container (Orders' <c>orders</c>,
/// Payments' <c>charges</c>, Shipping's <c>shipments</c>), leases in the history's own <c>leases</c>
/// container, each batch of events applied to the store before it is checkpointed (at least once; the
/// store applies each message once).
/// <para>
/// Lag: a source is <see cref="ProjectionLag.Behind"/> from the moment a batch arrives (the age of its
/// oldest event), and <see cref="ProjectionLag.CaughtUp"/> only once no batch is being applied, none has
/// arrived since the check began, and the SDK's <see cref="ChangeFeedEstimator"/> finds nothing pending on
/// the source's leases. The estimator is asked only while a source is behind.
/// </para>
/// </summary>
public sealed class CosmosHistoryFeed(
    Func<HistorySource, Container> sources, Container leases, IOrderHistoryStore store, ProjectionLag lag, ILoggerFactory loggers, IServiceFaults? faults = null,
    TimeSpan? pollInterval = null) : BackgroundService
{
    public static readonly TimeSpan LagCheckInterval = TimeSpan.FromMilliseconds(250);

    private readonly ILogger _logger = loggers.CreateLogger<CosmosHistoryFeed>();
    private readonly List<(HistorySource Source, Feed Feed, CosmosEventFeedProcessor Processor)> _feeds = [];

    public static string ProcessorName(HistorySource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return "history-" + source.Service;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var source in HistorySources.All)
        {
            var monitored = sources(source);
            var feed = new Feed(monitored.GetChangeFeedEstimator(ProcessorName(source), leases));
            var processor = new CosmosEventFeedProcessor(ProcessorName(source), monitored, leases, (batch, ct) => ApplyAsync(source, feed, batch, ct),
                loggers.CreateLogger("OrderHistoryFeed"), faults, pollInterval);
            await processor.StartAsync(cancellationToken);
            _feeds.Add((source, feed, processor));
        }

        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var (_, _, processor) in _feeds)
        {
            await processor.StopAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(LagCheckInterval, stoppingToken);
            foreach (var (source, feed, _) in _feeds)
            {
                if (feed.IsIdleButBehind(out var arrivals) && await NothingPendingAsync(source, feed, stoppingToken))
                {
                    feed.TryCatchUp(arrivals, () => lag.CaughtUp(source.Service));
                }
            }
        }
    }

    private async Task ApplyAsync(HistorySource source, Feed feed, IReadOnlyList<IntegrationEvent> batch, CancellationToken cancellationToken)
    {
        feed.Arrived(() => lag.Behind(source.Service, batch.Min(e => e.At)));
        try
        {
            await store.ApplyAsync(batch, cancellationToken);
        }
        finally
        {
            feed.Applied();
        }
    }

    private async Task<bool> NothingPendingAsync(HistorySource source, Feed feed, CancellationToken cancellationToken)
    {
        try
        {
            long pending = 0;
            using var states = feed.Estimator.GetCurrentStateIterator();
            while (states.HasMoreResults)
            {
                foreach (var state in await states.ReadNextAsync(cancellationToken))
                {
                    pending += state.EstimatedLag;
                }
            }

            return pending == 0;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Without an estimate the source stays behind (its age keeps growing) rather than claiming to be caught up.
            _logger.LogWarning("Cannot estimate the order history's pending changes from {Source}: {Error}", source.Service, ex.Message);
            return false;
        }
    }

    /// <summary>One source's processing, as far as its lag needs to know it.</summary>
    private sealed class Feed(ChangeFeedEstimator estimator)
    {
        private readonly Lock _gate = new();
        private int _inFlight;
        private long _arrivals;
        private bool _behind;

        public ChangeFeedEstimator Estimator => estimator;

        public void Arrived(Action behind)
        {
            lock (_gate)
            {
                _inFlight++;
                _arrivals++;
                _behind = true;
                behind();
            }
        }

        public void Applied()
        {
            lock (_gate)
            {
                _inFlight--;
            }
        }

        /// <summary>Behind, but no batch is being applied: time to ask whether anything is still pending.</summary>
        public bool IsIdleButBehind(out long arrivals)
        {
            lock (_gate)
            {
                arrivals = _arrivals;
                return _behind && _inFlight == 0;
            }
        }

        /// <summary>Caught up, unless a batch arrived since <paramref name="arrivals"/> was read.</summary>
        public void TryCatchUp(long arrivals, Action caughtUp)
        {
            lock (_gate)
            {
                if (_inFlight == 0 && _arrivals == arrivals)
                {
                    _behind = false;
                    caughtUp();
                }
            }
        }
    }
}
