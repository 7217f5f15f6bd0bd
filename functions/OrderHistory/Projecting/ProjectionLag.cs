using System.Collections.Concurrent;

namespace Serverless.OrderHistory.Projecting;

/// <summary>
/// How far the read model is behind its sources: per source, 0 when its last read found nothing new,
/// else the age of the oldest change that read brought. The projection's lag is the largest.
/// </summary>
public sealed class ProjectionLag(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset?> _oldestUnapplied = new(StringComparer.Ordinal);

    public void CaughtUp(string source) => _oldestUnapplied[source] = null;

    public void Behind(string source, DateTimeOffset oldest) => _oldestUnapplied[source] = oldest;

    public double Milliseconds() =>
        _oldestUnapplied.Values.Select(v => v is { } at ? Math.Max(0, (clock.GetUtcNow() - at).TotalMilliseconds) : 0).DefaultIfEmpty(0).Max();
}
