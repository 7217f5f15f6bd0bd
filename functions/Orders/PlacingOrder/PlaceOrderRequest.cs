using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Domain;

namespace Serverless.Orders.PlacingOrder;

public sealed record PlaceOrderItem(string? Sku, int? Quantity);

public sealed record PlaceOrderAddress(string? Line1, string? City, string? PostalCode, string? Country);

/// <summary>The body of <c>POST /api/orders</c>. Prices, totals and the customer come from the server, never from here.</summary>
public sealed record PlaceOrderRequest(List<PlaceOrderItem?>? Items, PlaceOrderAddress? ShippingAddress)
{
    public const int MaxLines = Order.MaxLines;
    public const int MaxQuantity = Order.MaxQuantity;

    /// <summary>Field errors keyed the way a client sent them (<c>items[0].quantity</c>); empty when valid.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (Items is null || Items.Count is < 1 or > MaxLines)
        {
            errors["items"] = [$"An order holds 1 to {MaxLines} lines."];
        }
        else
        {
            for (var i = 0; i < Items.Count; i++)
            {
                var item = Items[i];
                if (item is null || !Skus.IsValid(item.Sku))
                {
                    errors[$"items[{i}].sku"] = ["sku is required: 1-64 letters, digits, '-', '_' or '.'."];
                }

                if (item?.Quantity is not (>= 1 and <= MaxQuantity))
                {
                    errors[$"items[{i}].quantity"] = [$"quantity must be 1 to {MaxQuantity}."];
                }
            }
        }

        var a = ShippingAddress;
        Require(errors, "shippingAddress.line1", a?.Line1, 200);
        Require(errors, "shippingAddress.city", a?.City, 100);
        Require(errors, "shippingAddress.postalCode", a?.PostalCode, 20);
        if (a?.Country is not { Length: 2 } country || !country.All(char.IsAsciiLetter))
        {
            errors["shippingAddress.country"] = ["country must be an ISO 3166-1 alpha-2 code, such as KR."];
        }

        return errors;
    }

    public ShippingAddress Address() =>
        new(ShippingAddress!.Line1!.Trim(), ShippingAddress.City!.Trim(), ShippingAddress.PostalCode!.Trim(), ShippingAddress.Country!.ToUpperInvariant());

    private static void Require(Dictionary<string, string[]> errors, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength)
        {
            errors[field] = [$"{field.Split('.')[^1]} is required (at most {maxLength} characters)."];
        }
    }
}
