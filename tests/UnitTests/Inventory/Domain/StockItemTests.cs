using Serverless.Inventory.Domain;

namespace Serverless.UnitTests.Inventory.Domain;

public sealed class StockItemTests
{
    private static StockItem Stock(int available, int reserved = 0) => new("SKU-1", available, reserved, 1_000);

    [Fact]
    public void Reserve_MovesUnitsFromAvailableToReserved()
    {
        // Given 10 units available
        var stock = Stock(available: 10);

        // When 3 are reserved
        var after = stock.Reserve(3);

        // Then 7 are left and 3 are held; sku and price are untouched
        Assert.Equal(Stock(available: 7, reserved: 3), after);
    }

    [Fact]
    public void Reserve_AllAvailable_LeavesZero()
    {
        // Given 5 units available; When all 5 are reserved
        var after = Stock(available: 5).Reserve(5);

        // Then none are available, 5 are reserved
        Assert.Equal((0, 5), (after.Available, after.Reserved));
    }

    [Fact]
    public void Reserve_BeyondAvailable_IsRefused_AndLeavesStockUnchanged()
    {
        // Given 2 units available
        var stock = Stock(available: 2, reserved: 1);

        // When 3 are asked for
        var refused = stock.CanReserve(3);
        var error = Assert.Throws<InvalidOperationException>(() => stock.Reserve(3));

        // Then the reservation is refused and the stock (an immutable record) is as it was
        Assert.False(refused);
        Assert.Contains("SKU-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(Stock(available: 2, reserved: 1), stock);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Reserve_ZeroOrNegative_IsRefused(int quantity)
    {
        // Given plenty of stock; When a non-positive quantity is asked for; Then it is refused
        var stock = Stock(available: 10);

        Assert.False(stock.CanReserve(quantity));
        Assert.Throws<InvalidOperationException>(() => stock.Reserve(quantity));
    }

    [Fact]
    public void Unreserve_ReturnsReservedUnitsToAvailable_AndUnholdsThem()
    {
        // Given 3 units reserved for an order
        var stock = Stock(available: 10).Reserve(3);

        // When the order is cancelled before it was confirmed
        var after = stock.Unreserve(3);

        // Then the stock is exactly as before the order
        Assert.Equal(Stock(available: 10), after);
    }

    [Fact]
    public void ReturnSold_ReturnsCommittedUnitsToAvailable_WithoutTouchingOtherReservations()
    {
        // Given 3 units sold (reserved then committed) and 2 still held for another order
        var stock = Stock(available: 10).Reserve(3).Commit(3).Reserve(2);

        // When the confirmed order is cancelled
        var after = stock.ReturnSold(3);

        // Then the 3 units are available again and the other order's 2 stay reserved
        Assert.Equal(Stock(available: 8, reserved: 2), after);
    }

    [Fact]
    public void Unreserve_NeverDrivesReservedBelowZero()
    {
        // Given 1 unit reserved; When 3 are released as reserved
        var after = Stock(available: 0, reserved: 1).Unreserve(3);

        // Then reserved stops at zero
        Assert.Equal((3, 0), (after.Available, after.Reserved));
    }

    [Fact]
    public void Commit_SellsReservedUnits_AvailableUnchanged()
    {
        // Given 4 units reserved
        var stock = Stock(available: 10).Reserve(4);

        // When the order is confirmed
        var after = stock.Commit(4);

        // Then they leave reserved (sold) and available stays where the reservation put it
        Assert.Equal(Stock(available: 6, reserved: 0), after);
    }

    [Fact]
    public void Commit_MoreThanReserved_StopsAtZero()
    {
        // Given 1 unit reserved; When 2 are committed; Then reserved is zero, not negative
        Assert.Equal(0, Stock(available: 5, reserved: 1).Commit(2).Reserved);
    }

    [Fact]
    public void Restock_SetsAvailableAndPrice_AndKeepsUnitsHeldForOrders()
    {
        // Given 3 units held for an order
        var stock = Stock(available: 10).Reserve(3);

        // When the admin sets 20 on the shelf at a new price
        var after = stock.Restock(20, 2_500);

        // Then available and price are the admin's, and the 3 held units stay held
        Assert.Equal(new StockItem("SKU-1", 20, 3, 2_500), after);
    }

    [Fact]
    public void Unreserve_CannotOverflowAvailable()
    {
        // Given as many units on the shelf as an int holds; When more come back; Then available stays at the maximum
        Assert.Equal(int.MaxValue, Stock(available: int.MaxValue, reserved: 5).Unreserve(5).Available);
    }
}
