using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Domain;

namespace Serverless.UnitTests.Orders;

/// <summary>
/// A test double of <see cref="IOrderEventStore"/> for handler unit tests. It keeps the port's
/// promises that handlers rely on (version check, idempotency keys, saga starts with the events) and
/// has no snapshots or outbox. <see cref="BeforeAppend"/> lets a test interleave a racing writer. Never shipped.
/// </summary>
public sealed class InMemoryOrderEventStore : IOrderEventStore
{
    private readonly Dictionary<string, List<StoredEvent>> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<(string CustomerId, string Key), string> _keys = [];
    private readonly List<SagaStart> _sagaStarts = [];
    private readonly List<string> _placed = [];
    private readonly object _gate = new();

    /// <summary>Called before each append is applied, with the order id; set it again inside to race more than once.</summary>
    public Func<string, Task>? BeforeAppend { get; set; }

    public int Appends { get; private set; }

    /// <summary>Stamps the stored events (an order's <c>UpdatedAt</c>); a test that moves time sets its own.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public Task<IReadOnlyList<StoredEvent>> LoadAsync(string orderId, int? upToVersion = null)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<StoredEvent>>(_streams.TryGetValue(orderId, out var events)
                ? [.. events.Where(e => e.Version <= (upToVersion ?? int.MaxValue))]
                : []);
        }
    }

    public async Task<Order?> LoadOrderAsync(string orderId, int? upToVersion = null) =>
        Order.Rehydrate(orderId, await LoadAsync(orderId, upToVersion));

    public async Task AppendAsync(string orderId, int expectedVersion, IReadOnlyList<IOrderEvent> events,
        (string CustomerId, string? IdempotencyKey)? newStream = null, SagaStart? sagaStart = null)
    {
        if (BeforeAppend is { } hook)
        {
            BeforeAppend = null; // once: the racing writer's own append must not re-enter
            await hook(orderId);
        }

        lock (_gate)
        {
            var stream = _streams.GetValueOrDefault(orderId) ?? [];
            if (stream.Count != expectedVersion)
            {
                throw new ConcurrencyException(orderId, expectedVersion);
            }

            if (newStream is { IdempotencyKey: { } key } placed)
            {
                if (_keys.TryGetValue((placed.CustomerId, key), out var owner) && owner != orderId)
                {
                    throw new DuplicateIdempotencyKeyException(key);
                }

                _keys[(placed.CustomerId, key)] = orderId;
            }

            if (expectedVersion == 0)
            {
                _placed.Add(orderId);
            }

            stream.AddRange(events.Select((e, i) => new StoredEvent(expectedVersion + i + 1, e.GetType().Name, Clock.GetUtcNow(), e)));
            _streams[orderId] = stream;
            if (sagaStart is not null)
            {
                _sagaStarts.Add(sagaStart);
            }

            Appends++;
        }
    }

    public Task<string?> FindByIdempotencyKeyAsync(string customerId, string key)
    {
        lock (_gate)
        {
            return Task.FromResult(_keys.GetValueOrDefault((customerId, key)));
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string customerId)
    {
        var ids = new List<string>();
        foreach (var id in Enumerable.Reverse(_placed.ToList()))
        {
            if ((await LoadOrderAsync(id))?.CustomerId == customerId)
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>Keyset on the placement index: the position is the last order's index in <c>_placed</c>.</summary>
    public async Task<Page<string>> ListAsync(string customerId, int limit, string? after)
    {
        var before = after is null ? int.MaxValue : int.Parse(after, System.Globalization.CultureInfo.InvariantCulture);
        List<string> placed;
        lock (_gate)
        {
            placed = [.. _placed];
        }

        var mine = new List<(string Id, int Index)>();
        for (var i = Math.Min(before, placed.Count) - 1; i >= 0 && mine.Count <= limit; i--)
        {
            if ((await LoadOrderAsync(placed[i]))?.CustomerId == customerId)
            {
                mine.Add((placed[i], i));
            }
        }

        return mine.Count > limit
            ? new Page<string>([.. mine.Take(limit).Select(m => m.Id)], mine[limit - 1].Index.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : new Page<string>([.. mine.Select(m => m.Id)], null);
    }

    public async Task<IReadOnlyList<StoredEvent>> LoadRangeAsync(string orderId, int afterVersion, int upToVersion) =>
        [.. (await LoadAsync(orderId, upToVersion)).Where(e => e.Version > afterVersion)];

    public Task<IReadOnlyList<SagaStart>> PendingSagaStartsAsync()
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<SagaStart>>([.. _sagaStarts]);
        }
    }

    public Task CompleteSagaStartAsync(string instanceId)
    {
        lock (_gate)
        {
            _sagaStarts.RemoveAll(s => s.InstanceId == instanceId);
            return Task.CompletedTask;
        }
    }

    public async Task<SagaStats> CountByStatusAsync()
    {
        var orders = new List<Order>();
        foreach (var id in _placed.ToList())
        {
            orders.Add((await LoadOrderAsync(id))!);
        }

        return new SagaStats(
            orders.Count(o => o.Status == OrderStatus.Pending), orders.Count(o => o.Status == OrderStatus.Confirmed), orders.Count(o => o.Status == OrderStatus.Cancelled));
    }
}
