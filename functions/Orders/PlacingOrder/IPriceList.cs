namespace Serverless.Orders.PlacingOrder;

/// <summary>The catalogue's prices (the port; Inventory answers it). Throws <see cref="HttpRequestException"/> when the catalogue cannot be read.</summary>
public interface IPriceList
{
    /// <summary>The unit price of <paramref name="sku"/>, or null when the catalogue does not know it.</summary>
    Task<decimal?> PriceAsync(string sku, CancellationToken cancellationToken);
}
