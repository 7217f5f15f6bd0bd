using System.Collections.Concurrent;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.IntegrationTests.Messaging;

/// <summary>
/// A contract test's consumer: records every delivery, can be made to fail, and is idempotent (one
/// effect per message id, whatever the deliveries), as every real consumer must be.
/// </summary>
public sealed class RecordingHandler : IIntegrationEventHandler
{
    private readonly ConcurrentQueue<IntegrationEvent> _deliveries = new();
    private readonly ConcurrentDictionary<string, IntegrationEvent> _effects = new(StringComparer.Ordinal);
    private volatile string? _failWith;

    /// <summary>While set, every delivery throws with this message (before any effect).</summary>
    public string? FailWith
    {
        get => _failWith;
        set => _failWith = value;
    }

    public IReadOnlyList<IntegrationEvent> Deliveries => [.. _deliveries];

    /// <summary>Message id -> the event whose effect was applied (once).</summary>
    public IReadOnlyDictionary<string, IntegrationEvent> Effects => _effects;

    public int DeliveriesOf(string messageId) => _deliveries.Count(e => e.MessageId == messageId);

    public Task HandleAsync(IntegrationEvent e, CancellationToken cancellationToken)
    {
        _deliveries.Enqueue(e);
        if (_failWith is { } failure)
        {
            throw new InvalidOperationException(failure);
        }

        _effects.TryAdd(e.MessageId, e);
        return Task.CompletedTask;
    }
}
