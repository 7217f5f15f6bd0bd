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
/// </summary>
public sealed class CosmosEventFeedProcessor(
    string processorName, Container monitored, Container leases, Func<IReadOnlyList<IntegrationEvent>, CancellationToken, Task> handle,
    ILogger logger, IServiceFaults? faults = null, TimeSpan? pollInterval = null) : IHostedService
{
    private Microsoft.Azure.Cosmos.ChangeFeedProcessor? _processor;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _processor = monitored.GetChangeFeedProcessorBuilder(processorName, HandleAsync)
            .WithInstanceName($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}")
            .WithLeaseContainer(leases)
            .WithPollInterval(pollInterval ?? TimeSpan.FromMilliseconds(100))
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

        var events = await ReadEventsAsync(changes, cancellationToken);
        if (events.Count > 0)
        {
            await handle(events, cancellationToken);
        }
    }

    /// <summary>The events of every document in a change feed page, in the page's order.</summary>
    public static async Task<IReadOnlyList<IntegrationEvent>> ReadEventsAsync(Stream changes, CancellationToken cancellationToken)
    {
        using var page = await JsonDocument.ParseAsync(changes, cancellationToken: cancellationToken);
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
