namespace Serverless.BuildingBlocks.Hosting;

public enum FaultMode
{
    None,

    /// <summary>The service is unavailable: its endpoints answer 503 and it processes no messages.</summary>
    Down,

    /// <summary>The service answers every call 2 s late.</summary>
    Slow,
}

/// <summary>
/// A fault switch for exploring failure (local mode only: <c>PUT /ops/faults/{service}</c>). In Azure
/// nothing is switched: <see cref="NoFaults"/> is registered and the mode is always <c>None</c>.
/// </summary>
public interface IServiceFaults
{
    FaultMode Mode { get; }
}

public static class ServiceFaultsExtensions
{
    /// <summary>True when the switch says the service is down (never when there is no switch).</summary>
    public static bool IsDown(this IServiceFaults? faults) => faults?.Mode == FaultMode.Down;
}

/// <summary>
/// The local bus's own fault switch (<c>PUT /ops/faults/bus</c>): while it is <c>down</c> nothing can be
/// published (the outbox relays keep their events and retry) and no subscription receives. Registered
/// only by the local host.
/// </summary>
public sealed class BusFaults(IServiceFaults busSwitch) : IServiceFaults
{
    public const string Name = "bus";

    public FaultMode Mode => busSwitch.Mode;
}

public sealed class NoFaults : IServiceFaults
{
    public FaultMode Mode => FaultMode.None;
}
