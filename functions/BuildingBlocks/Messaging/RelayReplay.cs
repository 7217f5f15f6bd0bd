namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// What an outbox relay re-publishes after a restart: everything it handed to the bus within the last
/// <see cref="Window"/> before it stopped. The local bus (Azurite's queues) acknowledges a message while
/// it is still only in memory and saves it to disk every 5 s, so a crash of the whole local system loses
/// the messages of its last seconds even though the relay's checkpoint (in the service's store) moved
/// past them. Consumers apply each message id once, so the duplicates this makes are harmless.
/// <para>
/// The relay reports each published batch's end position (<see cref="Published"/>); <see cref="Settle"/>
/// gives the newest position published at least a window ago, which the relay saves beside its checkpoint
/// and restarts from.
/// </para>
/// </summary>
public sealed class RelayReplay(TimeSpan window)
{
    /// <summary>Three times Azurite's 5 s save interval.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(15);

    private readonly Queue<(DateTimeOffset At, long Position)> _recent = new();
    private readonly Lock _lock = new();

    public TimeSpan Window { get; } = window;

    /// <summary>Whether the relay publishing to <paramref name="bus"/> needs it: only the local queue bus can lose acknowledged messages.</summary>
    public static RelayReplay? For(BusOptions bus) => bus?.Provider == BusProvider.Queues ? new RelayReplay(DefaultWindow) : null;

    /// <summary>A batch ending at <paramref name="position"/> was handed to the bus at <paramref name="at"/>.</summary>
    public void Published(long position, DateTimeOffset at)
    {
        lock (_lock)
        {
            _recent.Enqueue((at, position));
        }
    }

    /// <summary>The newest position published at least <see cref="Window"/> before <paramref name="now"/>, if one newly settled.</summary>
    public long? Settle(DateTimeOffset now)
    {
        lock (_lock)
        {
            long? settled = null;
            while (_recent.TryPeek(out var oldest) && now - oldest.At >= Window)
            {
                settled = _recent.Dequeue().Position;
            }

            return settled;
        }
    }
}
