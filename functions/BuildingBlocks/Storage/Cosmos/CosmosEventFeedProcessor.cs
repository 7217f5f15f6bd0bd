using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.BuildingBlocks.Storage.Cosmos;

/// <summary>
/// The Cosmos change feed of one container as a stream of integration events: the SDK's change
/// feed processor (leases in the consumer's lease container, so a restart resumes where the last
/// checkpoint left off and several instances share the work) reads every new document and hands
/// over the events in its <c>events</c> array. A batch is checkpointed only after the handler
/// returns, so delivery is at least once; handlers apply idempotently (by message id).
/// <para>
/// With <paramref name="replay"/> (the outbox relay on a bus that can lose acknowledged messages, see
/// <see cref="RelayReplay"/>) it keeps a settled watermark, the server timestamp (<c>_ts</c>) of the
/// newest document published at least a window ago, in a document <c>settled:{processorName}</c> of the
/// lease container, and at start publishes every document from that timestamp on again before the
/// processor resumes from its leases. Without a watermark nothing has settled yet (a crash within a
/// window of the first publish), so it publishes the container's whole feed again, as the SQLite relay
/// does from its settled checkpoint's default 0.
/// </para>
/// </summary>
public sealed class CosmosEventFeedProcessor(
    string processorName, Container monitored, Container leases, Func<IReadOnlyList<IntegrationEvent>, CancellationToken, Task> handle,
    ILogger logger, IServiceFaults? faults = null, TimeSpan? pollInterval = null, RelayReplay? replay = null) : IHostedService
{
    /// <summary>How long a lease whose owner stopped renewing (a crashed process) blocks its feed.</summary>
    public static readonly TimeSpan LeaseExpiration = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan LeaseRenewInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan LeaseAcquireInterval = TimeSpan.FromSeconds(2);

    private Microsoft.Azure.Cosmos.ChangeFeedProcessor? _processor;

    private string WatermarkId => "settled:" + processorName;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (replay is not null)
        {
            await ReplaySettledAsync(cancellationToken);
        }

        _processor = monitored.GetChangeFeedProcessorBuilder(processorName, HandleAsync)
            .WithInstanceName($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}")
            .WithLeaseContainer(leases)
            .WithPollInterval(pollInterval ?? TimeSpan.FromMilliseconds(100))
            // After a crash the dead instance's leases block the feed until they expire: 15 s, not the
            // SDK's 60 s (+ up to 17 s to notice), so a restarted relay or projection resumes within ~17 s.
            .WithLeaseConfiguration(acquireInterval: LeaseAcquireInterval, expirationInterval: LeaseExpiration, renewInterval: LeaseRenewInterval)
            .WithStartTime(DateTime.MinValue.ToUniversalTime()) // a new consumer reads the container from its beginning
            .WithErrorNotification((lease, ex) =>
            {
                logger.LogWarning("Change feed {Processor} on {Container} (lease {Lease}) failed, retrying: {Error}", processorName, monitored.Id, lease, ex.Message);
                return Task.CompletedTask;
            })
            .Build();
        await _processor.StartAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_processor is not null)
        {
            await _processor.StopAsync();
        }
    }

    private async Task HandleAsync(ChangeFeedProcessorContext context, Stream changes, CancellationToken cancellationToken)
    {
        if (faults.IsDown())
        {
            // Not checkpointed: the batch comes again once the service is back.
            throw new InvalidOperationException($"{processorName} is switched off (fault switch).");
        }

        using var page = await JsonDocument.ParseAsync(changes, cancellationToken: cancellationToken);
        var events = EventsOf(page);
        if (events.Count > 0)
        {
            await handle(events, cancellationToken);
        }

        if (replay is not null)
        {
            var newest = page.RootElement.GetProperty("Documents").EnumerateArray()
                .Select(d => d.TryGetProperty("_ts", out var ts) && ts.TryGetInt64(out var seconds) ? seconds : 0).DefaultIfEmpty(0).Max();
            replay.Published(newest, DateTimeOffset.UtcNow);
            if (replay.Settle(DateTimeOffset.UtcNow) is { } settled and > 0)
            {
                await leases.UpsertItemAsync(new Watermark(WatermarkId, settled), new PartitionKey(WatermarkId), cancellationToken: cancellationToken);
            }
        }
    }

    /// <summary>
    /// Publishes again every document written at or after the settled watermark; without one (nothing
    /// settled yet, or a first start) every document of the container.
    /// </summary>
    private async Task ReplaySettledAsync(CancellationToken cancellationToken)
    {
        long? since;
        try
        {
            since = (await leases.ReadItemAsync<Watermark>(WatermarkId, new PartitionKey(WatermarkId), cancellationToken: cancellationToken)).Resource.Ts;
        }
        catch (CosmosException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            since = null;
        }

        var count = 0;
        var from = since is { } ts ? ChangeFeedStartFrom.Time(DateTimeOffset.FromUnixTimeSeconds(ts).UtcDateTime) : ChangeFeedStartFrom.Beginning();
        var iterator = monitored.GetChangeFeedStreamIterator(from, ChangeFeedMode.LatestVersion);
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken);
            if (response.StatusCode == System.Net.HttpStatusCode.NotModified)
            {
                break;
            }

            response.EnsureSuccessStatusCode();
            var events = await ReadEventsAsync(response.Content, cancellationToken);
            if (events.Count > 0)
            {
                await handle(events, cancellationToken);
                count += events.Count;
            }
        }

        if (count > 0)
        {
            logger.LogInformation(
                "Change feed {Processor} published {Count} events again, written since {Since}: they may have gone to the bus within {Window} before the last stop, and the local bus may have lost them",
                processorName, count, since is { } s ? DateTimeOffset.FromUnixTimeSeconds(s).ToString("O", System.Globalization.CultureInfo.InvariantCulture) : "the beginning (nothing had settled)", replay!.Window);
        }
    }

    private sealed record Watermark([property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id, [property: System.Text.Json.Serialization.JsonPropertyName("ts")] long Ts);

    /// <summary>The events of every document in a change feed page, in the page's order.</summary>
    public static async Task<IReadOnlyList<IntegrationEvent>> ReadEventsAsync(Stream changes, CancellationToken cancellationToken)
    {
        using var page = await JsonDocument.ParseAsync(changes, cancellationToken: cancellationToken);
        return EventsOf(page);
    }

    private static List<IntegrationEvent> EventsOf(JsonDocument page)
    {
        var events = new List<IntegrationEvent>();
        foreach (var document in page.RootElement.GetProperty("Documents").EnumerateArray())
        {
            if (document.TryGetProperty("events", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                events.AddRange(list.EnumerateArray().Select(e => e.Deserialize<IntegrationEvent>(IntegrationEvent.Json)!));
            }
        }

        return events;
    }
}
