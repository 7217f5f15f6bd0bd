using System.Collections.Concurrent;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.AppHost.LocalFunctions;

/// <summary>The local fault switches, one per Function App, set through <c>PUT /ops/faults/{service}</c>.</summary>
public sealed class FaultSwitchboard
{
    private readonly ConcurrentDictionary<string, FaultMode> _modes = new(StringComparer.Ordinal);

    public FaultSwitchboard(IEnumerable<string> services)
    {
        foreach (var service in services)
        {
            _modes[service] = FaultMode.None;
        }
    }

    public IReadOnlyCollection<string> Services => _modes.Keys.ToList();

    /// <summary>False when there is no such service.</summary>
    public bool TrySet(string service, FaultMode mode)
    {
        if (!_modes.ContainsKey(service))
        {
            return false;
        }

        _modes[service] = mode;
        return true;
    }

    public FaultMode ModeOf(string service) => _modes.GetValueOrDefault(service);

    public IServiceFaults For(string service) => new Switch(this, service);

    private sealed class Switch(FaultSwitchboard board, string service) : IServiceFaults
    {
        public FaultMode Mode => board.ModeOf(service);
    }
}
