using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Serverless.BuildingBlocks.Telemetry;

/// <summary>
/// Observable gauges on our meter (named like <see cref="Tracing.Source"/>, which telemetry exports), fed by the
/// apps that hold the state: each app adds its source when its host starts and takes it away when it stops. The meter
/// is the process's (global), so the local AppHost's gateway, running every app in one process, observes them all on
/// <c>/ops/metrics</c>; in Azure each app exports its own. A source runs on every scrape or export, so it reads
/// in-memory state only; state behind I/O goes through a <see cref="CachedReading{T}"/>.
/// </summary>
public static class Gauges
{
    private static readonly Meter Meter = new(Tracing.Source.Name);
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<object, Func<IEnumerable<Measurement<double>>>>> Sources = new(StringComparer.Ordinal);

    public static IServiceCollection AddGauge(this IServiceCollection services, string name, string? unit, string description,
        Func<IServiceProvider, Func<IEnumerable<Measurement<double>>>> observe)
    {
        var sources = Sources.GetOrAdd(name, _ =>
        {
            var added = new ConcurrentDictionary<object, Func<IEnumerable<Measurement<double>>>>();
            Meter.CreateObservableGauge(name, () => added.Values.SelectMany(Observe).ToList(), unit, description);
            return added;
        });
        services.AddSingleton<IHostedService>(sp => new Source(sources, observe(sp)));
        return services;
    }

    /// <summary>One failing source does not hide the others' readings.</summary>
    private static IEnumerable<Measurement<double>> Observe(Func<IEnumerable<Measurement<double>>> source)
    {
        try
        {
            return source().ToList();
        }
        catch (Exception)
        {
            return [];
        }
    }

    private sealed class Source(ConcurrentDictionary<object, Func<IEnumerable<Measurement<double>>>> sources, Func<IEnumerable<Measurement<double>>> observe) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            sources[this] = observe;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            sources.TryRemove(this, out _);
            return Task.CompletedTask;
        }
    }
}

/// <summary>
/// The last reading of something that costs I/O to read (a queue's depth), for a gauge: <see cref="Current"/> never
/// waits, it returns the last reading and, when that is older than <c>maxAge</c>, starts one new read in the
/// background. A failed read leaves no value (the gauge reports nothing) rather than a stale or made-up one.
/// </summary>
public sealed class CachedReading<T>(Func<CancellationToken, Task<T>> read, TimeSpan maxAge, TimeProvider clock)
    where T : struct
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();
    private T? _value;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private bool _reading;
    private Task _pending = Task.CompletedTask;

    /// <summary>The last successful reading, if the last read succeeded; starts a read when it is due and none is under way.</summary>
    public T? Current()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (!_reading && now - _readAt >= maxAge)
            {
                _reading = true;
                _readAt = now;
                _pending = Task.Run(ReadAsync); // it takes the lock to finish, so it cannot finish before this assignment
            }

            return _value;
        }
    }

    /// <summary>Completes once the read under way (if any) is done: for start-up warming and tests.</summary>
    public Task SettledAsync()
    {
        lock (_gate)
        {
            return _pending;
        }
    }

    private async Task ReadAsync()
    {
        T? value;
        try
        {
            using var timeout = new CancellationTokenSource(ReadTimeout);
            value = await read(timeout.Token);
        }
        catch (Exception)
        {
            value = null; // unreachable right now: say nothing rather than repeat an old figure
        }

        lock (_gate)
        {
            _value = value;
            _reading = false;
        }
    }
}
