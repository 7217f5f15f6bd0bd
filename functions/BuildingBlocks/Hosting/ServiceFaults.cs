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

public sealed class NoFaults : IServiceFaults
{
    public FaultMode Mode => FaultMode.None;
}
