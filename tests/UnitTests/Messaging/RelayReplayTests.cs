using Serverless.BuildingBlocks.Messaging;

namespace Serverless.UnitTests.Messaging;

/// <summary>The relay's replay window: what it must publish again after a crash of the local bus.</summary>
public sealed class RelayReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NothingSettles_WithinTheWindow()
    {
        var replay = new RelayReplay(TimeSpan.FromSeconds(15));
        replay.Published(10, T0);

        Assert.Null(replay.Settle(T0.AddSeconds(14)));
    }

    [Fact]
    public void TheNewestPositionPublishedAWindowAgo_Settles_AndOnlyOnce()
    {
        // Given batches published at 0 s, 5 s and 20 s
        var replay = new RelayReplay(TimeSpan.FromSeconds(15));
        replay.Published(10, T0);
        replay.Published(25, T0.AddSeconds(5));
        replay.Published(40, T0.AddSeconds(20));

        // When asked at 21 s: the first two are a window old, the third is not
        Assert.Equal(25, replay.Settle(T0.AddSeconds(21)));

        // Then nothing new settles until the third is a window old too
        Assert.Null(replay.Settle(T0.AddSeconds(30)));
        Assert.Equal(40, replay.Settle(T0.AddSeconds(35)));
    }

    [Theory]
    [InlineData(BusProvider.Queues, true)]
    [InlineData(BusProvider.ServiceBus, false)]
    [InlineData(BusProvider.None, false)]
    public void OnlyTheLocalQueueBus_NeedsAReplay(BusProvider provider, bool needed)
    {
        // Azurite acknowledges writes it keeps in memory for up to 5 s; Service Bus acknowledges durably.
        Assert.Equal(needed, RelayReplay.For(new BusOptions(provider, null, null)) is not null);
    }
}
