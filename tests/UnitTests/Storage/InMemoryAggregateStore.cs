using System.Collections.Concurrent;
using System.Text.Json;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.UnitTests.Storage;

/// <summary>
/// A test double of <see cref="IAggregateStore{T}"/> for unit tests of handlers (rules without a
/// store). It keeps the port's promises — version check, operation ids, events per save — and
/// copies state through JSON so a handler cannot mutate what is "stored". Never shipped.
/// </summary>
public sealed class InMemoryAggregateStore<T> : IAggregateStore<T>
    where T : class
{
    private readonly ConcurrentDictionary<string, (long Version, string Json, HashSet<string> Operations)> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<IntegrationEvent> _events = new();
    private readonly object _gate = new();

    /// <summary>Every event saved, in order.</summary>
    public IReadOnlyList<IntegrationEvent> Events => [.. _events];

    /// <summary>Called before each save is applied: lets a test interleave another writer (a race) at that moment.</summary>
    public Func<Loaded<T>, Task>? BeforeSave { get; set; }

    public T? this[string id] => _items.TryGetValue(id, out var item) ? JsonSerializer.Deserialize<T>(item.Json, StoredJson.Options) : null;

    public Task<Loaded<T>> LoadAsync(string id, string? operationId = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_items.TryGetValue(id, out var item)
                ? new Loaded<T>(id, JsonSerializer.Deserialize<T>(item.Json, StoredJson.Options), item.Version, operationId is not null && item.Operations.Contains(operationId))
                : new Loaded<T>(id, null, 0));
        }
    }

    public Task<IReadOnlyList<Loaded<T>>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Loaded<T>>>([.. _items
                .Where(i => afterId is null || string.CompareOrdinal(i.Key, afterId) > 0)
                .OrderBy(i => i.Key, StringComparer.Ordinal)
                .Take(limit)
                .Select(i => new Loaded<T>(i.Key, JsonSerializer.Deserialize<T>(i.Value.Json, StoredJson.Options), i.Value.Version))]);
        }
    }

    public async Task<long> SaveAsync(Loaded<T> loaded, T state, IReadOnlyList<IntegrationEvent> events, string? operationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        if (BeforeSave is { } hook)
        {
            BeforeSave = null; // once: the interleaved writer's own save must not re-enter
            await hook(loaded);
        }

        lock (_gate)
        {
            var current = _items.TryGetValue(loaded.Id, out var item) ? item.Version : 0;
            if (current != loaded.Version)
            {
                throw new ConcurrencyConflictException(typeof(T).Name, loaded.Id, loaded.Version);
            }

            var operations = item.Operations is null ? new HashSet<string>(StringComparer.Ordinal) : [.. item.Operations];
            if (operationId is not null)
            {
                operations.Add(operationId);
            }

            _items[loaded.Id] = (current + 1, JsonSerializer.Serialize(state, StoredJson.Options), operations);
            foreach (var e in events)
            {
                _events.Enqueue(e);
            }

            return current + 1;
        }
    }
}
