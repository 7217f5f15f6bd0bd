namespace Serverless.IntegrationTests;

/// <summary>
/// Known defects in functions/ code, each with tests that state the correct behaviour. Those tests
/// are skipped so the suite stays green; remove the Skip once the defect is fixed.
/// </summary>
public static class Bugs
{
    public const string MoneyOverflow =
        "Bug: BuildingBlocks/Http/Money.ToCents overflows (decimal->long cast, or decimal multiply) for amounts >= ~9.2e16, answering 500 instead of 400.";

    public const string NullReservationLine =
        "Bug: Inventory/ReservingStock/ReservationFunctions.Reserve dereferences a null entry of items (NullReferenceException), answering 500 instead of 400.";

    public const string QuantityOverflow =
        "Bug: Inventory/StockLevel.Merge sums quantities of lines naming one SKU with checked int arithmetic (OverflowException), answering 500 instead of a refusal.";
}
