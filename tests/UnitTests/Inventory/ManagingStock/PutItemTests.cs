using Serverless.Inventory.Domain;
using Serverless.Inventory.ManagingStock;

namespace Serverless.UnitTests.Inventory.ManagingStock;

public sealed class PutItemTests
{
    private readonly InventoryWorld _world = new();

    [Fact]
    public async Task Put_NewSku_CreatesItWithNothingReserved()
    {
        // Given no SKU A; When the admin puts 12 at 19.99
        var item = await _world.Put.HandleAsync(new PutItem("A", 12, 1_999));

        // Then A exists with that stock and price
        Assert.Equal(new StockItem("A", 12, 0, 1_999), item);
        Assert.Equal(item, await new GetItemHandler(_world.Stock).HandleAsync("A"));
    }

    [Fact]
    public async Task Put_Again_ReplacesStockAndPrice_AndKeepsHeldUnits()
    {
        // Given A with 3 units held for an order
        await _world.StockAsync("A", 10);
        await _world.ReserveAsync("order-1", ("A", 3));

        // When the admin puts 8 at 4.25
        var item = await _world.Put.HandleAsync(new PutItem("A", 8, 425));

        // Then 8 are available at the new price and the 3 stay reserved
        Assert.Equal(new StockItem("A", 8, 3, 425), item);
    }

    [Fact]
    public async Task Put_RacingAReservation_RetriesOnFreshState_SoTheHeldUnitsStayHeld()
    {
        // Given A with 10, and a reservation of 2 that saves just before the admin's put does
        await _world.StockAsync("A", 10);
        InventoryWorld.BeforeSave(_world.Stock, 1, () => _world.ReserveAsync("order-1", ("A", 2)));

        // When the admin puts 20
        var item = await _world.Put.HandleAsync(new PutItem("A", 20, 500));

        // Then the put decided again on the reserved state: 20 available, the 2 still held
        Assert.Equal(new StockItem("A", 20, 2, 500), item);
        Assert.Equal(item, _world.Stock["A"]);
    }

    [Fact]
    public void Create_WithInvalidFields_KeysEachError_ByField()
    {
        // Given a bad SKU, a negative stock and a price with 3 decimals; When made into a command
        var (command, errors) = PutItem.Create("bad sku", -1, 2.505m);

        // Then there is no command and one error per field
        Assert.Null(command);
        Assert.Equal(["available", "price", "sku"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Create_WithValidFields_HoldsThePriceInCents()
    {
        // Given a valid SKU, stock and price; When made into a command; Then the price is whole cents
        var (command, errors) = PutItem.Create("A-1", 4, 3.10m);

        Assert.Empty(errors);
        Assert.Equal(new PutItem("A-1", 4, 310), command);
    }
}
