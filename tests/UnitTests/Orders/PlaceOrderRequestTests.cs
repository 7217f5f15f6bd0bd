using Serverless.Orders.PlacingOrder;

namespace Serverless.UnitTests.Orders;

public sealed class PlaceOrderRequestTests
{
    private static readonly PlaceOrderAddress Address = new("1 Main St", "Seoul", "04524", "KR");

    private static PlaceOrderRequest Request(IEnumerable<PlaceOrderItem?>? items, PlaceOrderAddress? address = null) =>
        new(items?.ToList(), address ?? Address);

    private static PlaceOrderItem[] Lines(int count) =>
        Enumerable.Range(0, count).Select(i => new PlaceOrderItem($"SKU-{i}", 1)).ToArray();

    [Fact]
    public void ValidRequest_HasNoErrors()
    {
        // Given a well-formed order of 1 line; When validated; Then there are no errors
        Assert.Empty(Request([new PlaceOrderItem("SKU-1", 2)]).Validate());
    }

    [Fact]
    public void AtTheLimits_50Lines_Quantity1And1000_IsValid()
    {
        // Given 50 lines, the first with quantity 1000, the rest 1
        var items = Lines(50);
        items[0] = items[0] with { Quantity = 1000 };

        // When validated; Then it is accepted
        Assert.Empty(Request(items).Validate());
    }

    [Fact]
    public void LowerCaseCountry_IsValid_AndNormalised()
    {
        // Given a lower-case country code
        var request = Request([new PlaceOrderItem("SKU-1", 1)], Address with { Country = "kr", City = "  Seoul " });

        // Then it validates, and the address is normalised
        Assert.Empty(request.Validate());
        Assert.Equal(("KR", "Seoul"), (request.Address().Country, request.Address().City));
    }

    [Fact]
    public void NoLines_IsRejected_OnItems()
    {
        // Given an empty order
        var errors = Request([]).Validate();

        // Then the error names the items field only
        Assert.Equal(["items"], errors.Keys);
    }

    [Fact]
    public void MissingItems_IsRejected_OnItems()
    {
        // Given no items field at all
        var errors = Request(null).Validate();

        // Then the error names the items field
        Assert.Equal(["items"], errors.Keys);
    }

    [Fact]
    public void FiftyOneLines_IsRejected_OnItems()
    {
        // Given 51 lines (one past the limit)
        var errors = Request(Lines(51)).Validate();

        // Then the error names the items field
        Assert.Equal(["items"], errors.Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    [InlineData(-1)]
    public void QuantityOutOfRange_IsRejected_KeyedByLine(int quantity)
    {
        // Given a valid first line and a second line with a bad quantity
        var errors = Request([new PlaceOrderItem("SKU-1", 1), new PlaceOrderItem("SKU-2", quantity)]).Validate();

        // Then the error is keyed to that line's quantity, the way the client sent it
        Assert.Equal(["items[1].quantity"], errors.Keys);
        Assert.Contains("1000", errors["items[1].quantity"].Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingQuantity_IsRejected()
    {
        // Given a line without a quantity; Then items[0].quantity is in error
        Assert.Equal(["items[0].quantity"], Request([new PlaceOrderItem("SKU-1", null)]).Validate().Keys);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("sku/1")]
    public void BadSku_IsRejected_KeyedByLine(string? sku)
    {
        // Given a line with a missing or malformed sku; Then the error is keyed items[0].sku
        Assert.Equal(["items[0].sku"], Request([new PlaceOrderItem(sku, 1)]).Validate().Keys);
    }

    [Fact]
    public void NullLine_IsRejected_OnBothFields()
    {
        // Given a null entry in items (JSON "items":[null])
        var errors = Request([null]).Validate();

        // Then both its sku and its quantity are in error
        Assert.Equal(["items[0].quantity", "items[0].sku"], errors.Keys.Order());
    }

    [Fact]
    public void MissingAddress_ReportsEveryAddressField()
    {
        // Given no shipping address at all
        var errors = new PlaceOrderRequest([new PlaceOrderItem("SKU-1", 1)], null).Validate();

        // Then each address field is reported
        Assert.Equal(
            ["shippingAddress.city", "shippingAddress.country", "shippingAddress.line1", "shippingAddress.postalCode"],
            errors.Keys.Order());
    }

    [Theory]
    [InlineData("line1")]
    [InlineData("city")]
    [InlineData("postalCode")]
    public void BlankAddressField_IsRejected_KeyedByField(string field)
    {
        // Given an address with one field blank
        var address = field switch
        {
            "line1" => Address with { Line1 = " " },
            "city" => Address with { City = "" },
            _ => Address with { PostalCode = null },
        };

        // Then only that field is reported
        Assert.Equal([$"shippingAddress.{field}"], Request([new PlaceOrderItem("SKU-1", 1)], address).Validate().Keys);
    }

    [Fact]
    public void OverlongAddressField_IsRejected()
    {
        // Given a postal code over 20 characters; Then it is reported
        var address = Address with { PostalCode = new string('1', 21) };

        Assert.Equal(["shippingAddress.postalCode"], Request([new PlaceOrderItem("SKU-1", 1)], address).Validate().Keys);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("KOR")]
    [InlineData("K1")]
    [InlineData("한국")]
    public void BadCountry_IsRejected(string? country)
    {
        // Given a country that is not two ASCII letters; Then shippingAddress.country is in error
        var errors = Request([new PlaceOrderItem("SKU-1", 1)], Address with { Country = country }).Validate();

        Assert.Equal(["shippingAddress.country"], errors.Keys);
    }

    [Fact]
    public void SeveralProblems_AreAllReported()
    {
        // Given a bad first line and a bad country
        var errors = Request([new PlaceOrderItem("", 0)], Address with { Country = "XYZ" }).Validate();

        // Then every problem is reported at once
        Assert.Equal(["items[0].quantity", "items[0].sku", "shippingAddress.country"], errors.Keys.Order());
    }
}
