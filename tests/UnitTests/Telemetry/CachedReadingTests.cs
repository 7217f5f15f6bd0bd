using Serverless.BuildingBlocks.Telemetry;
using Serverless.UnitTests.Configuration;

namespace Serverless.UnitTests.Telemetry;

/// <summary>A gauge's reading of something behind I/O: never waited for, read at most once per max age, nothing when the read fails.</summary>
public sealed class CachedReadingTests
{
    private readonly ManualClock _clock = new();
    private int _reads;
    private Func<int> _answer = () => 7;

    [Fact]
    public async Task FirstCall_HasNoFigureYet_AndStartsTheRead_WhoseValueTheNextCallReturns()
    {
        var reading = Reading();

        Assert.Null(reading.Current());
        await reading.SettledAsync();

        Assert.Equal(7, reading.Current());
    }

    [Fact]
    public async Task ManyCalls_WithinMaxAge_ReadOnce_ThenOnceMoreAfterIt()
    {
        // Given a reading taken
        var reading = Reading();
        reading.Current();
        await reading.SettledAsync();

        // When it is asked often within 2 s
        for (var i = 0; i < 10; i++)
        {
            reading.Current();
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        await reading.SettledAsync();
        Assert.Equal(1, _reads);

        // Then once 2 s have passed, one more read gives the new figure
        _answer = () => 9;
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(7, reading.Current()); // the old figure while the new read is under way
        await reading.SettledAsync();
        Assert.Equal((2, 9), (_reads, reading.Current()));
    }

    [Fact]
    public async Task FailedRead_LeavesNoFigure_RatherThanTheOldOne()
    {
        var reading = Reading();
        reading.Current();
        await reading.SettledAsync();

        _answer = () => throw new HttpRequestException("queue unreachable");
        _clock.Advance(TimeSpan.FromSeconds(2));
        reading.Current();
        await reading.SettledAsync();

        Assert.Null(reading.Current());
    }

    private CachedReading<int> Reading() => new(_ =>
    {
        Interlocked.Increment(ref _reads);
        return Task.FromResult(_answer());
    }, TimeSpan.FromSeconds(2), _clock);
}
