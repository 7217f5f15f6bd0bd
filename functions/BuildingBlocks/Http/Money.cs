namespace Serverless.BuildingBlocks.Http;

/// <summary>Money travels as a JSON number with at most 2 decimals and is stored as whole cents.</summary>
public static class Money
{
    public static bool IsValidAmount(decimal amount) => decimal.Round(amount, 2) == amount;

    public static long ToCents(decimal amount) => (long)decimal.Round(amount * 100m, 0, MidpointRounding.ToEven);

    public static decimal FromCents(long cents) => cents / 100m;
}
