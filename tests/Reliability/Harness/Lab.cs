namespace Serverless.Reliability;

/// <summary>
/// The systems the scenarios run against, in one storage mode: started on first use, each on its own
/// data folder and free ports, and reused by the scenarios that ask for the same profile (a crash
/// scenario leaves its system running again for the next one).
/// </summary>
public sealed class Lab(string storage) : IAsyncDisposable
{
    /// <summary>
    /// Reconciliation tuned for scenarios that must finish in minutes: the reconciler looks at an
    /// order quiet for 5 s, and a saga that has not moved for 20 s is restarted (defaults: 30 s, 2 min).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ReliabilitySettings = new Dictionary<string, string>
    {
        ["Saga__ReconcileAfter"] = "00:00:05",
        ["Saga__StaleAfter"] = "00:00:20",
    };

    private readonly Dictionary<string, RunningSystem> _systems = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Storage { get; } = storage;

    /// <summary>
    /// The system of <paramref name="profile"/>, started if it is not running yet; <paramref name="extra"/>
    /// settings (environment names, e.g. <c>Gateway__RateLimitPermits</c>) apply when it starts, so a profile
    /// that needs them must be one only its scenarios use.
    /// </summary>
    public async Task<RunningSystem> SystemAsync(string profile = "shared", IReadOnlyDictionary<string, string>? extra = null)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_systems.TryGetValue(profile, out var system))
            {
                var settings = new Dictionary<string, string>(ReliabilitySettings) { ["Storage__Provider"] = Storage };
                foreach (var (key, value) in extra ?? new Dictionary<string, string>())
                {
                    settings[key] = value;
                }

                var host = await AppHostProcess.StartAsync(settings);
                system = new RunningSystem(host, new ShopClient(host.Gateway));
                _systems[profile] = system;
            }

            return system;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var system in _systems.Values)
        {
            system.Shop.Dispose();
            await system.Host.DisposeAsync();
        }

        _systems.Clear();
        _gate.Dispose();
    }
}

/// <summary>A running local system and a client of its gateway.</summary>
public sealed record RunningSystem(AppHostProcess Host, ShopClient Shop)
{
    /// <summary>Fresh books for one scenario.</summary>
    public Books NewBooks() => new(Shop);

    /// <summary>kill -9 of the whole process group (AppHost, Azurite, Cosmos server), then the run command again on the same data.</summary>
    public async Task CrashAndRestartAsync()
    {
        Host.Crash();
        await Host.StartAgainAsync();
    }
}
