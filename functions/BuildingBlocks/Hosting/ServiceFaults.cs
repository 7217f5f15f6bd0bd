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

public sealed class NoFaults : IServiceFaults
{
    public FaultMode Mode => FaultMode.None;
}
