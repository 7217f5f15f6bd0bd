namespace Serverless.BuildingBlocks.Http;

/// <summary>Money travels as a JSON number with at most 2 decimals and is stored as whole cents.</summary>
public static class Money
{
    /// <summary>The largest amount the system takes (it must fit in whole cents with room to add).</summary>
    public const decimal Max = 1_000_000_000_000m;

    /// <summary>At most 2 decimals and not beyond <see cref="Max"/> (in either direction).</summary>
    public static bool IsValidAmount(decimal amount) => Math.Abs(amount) <= Max && decimal.Round(amount, 2) == amount;

    public static long ToCents(decimal amount) => (long)decimal.Round(amount * 100m, 0, MidpointRounding.ToEven);

    public static decimal FromCents(long cents) => cents / 100m;
}
