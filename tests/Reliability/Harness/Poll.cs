namespace Serverless.Reliability;

/// <summary>Waiting for an eventually consistent condition: ask again until it holds, or fail at the deadline.</summary>
public static class Poll
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>The first non-null answer of <paramref name="probe"/>.</summary>
    public static Task<T> ForAsync<T>(Func<Task<T?>> probe, string failure)
        where T : class => ForAsync(probe, () => failure);

    /// <summary>The same, with a failure message made at the deadline (to say what was seen so far).</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T?>> probe, Func<string> failure)
        where T : class
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, failure());
            await Task.Delay(Interval);
        }
    }

    /// <summary>The first non-null answer of <paramref name="probe"/>, for value types.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T?>> probe, string failure)
        where T : struct =>
        (await ForAsync(async () => await probe() is { } value ? new Box<T>(value) : null, failure)).Value;

    public static Task UntilAsync(Func<Task<bool>> condition, string failure) =>
        ForAsync(async () => await condition() ? "done" : null, failure);

    private sealed record Box<T>(T Value);
}
