using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;

namespace Serverless.Inventory.ManagingStock;

/// <summary>An admin sets a SKU's stock on the shelf and its price.</summary>
public sealed record PutItem(string Sku, int Available, long PriceCents)
{
    /// <summary>The command, or the field errors keyed the way the API names the fields.</summary>
    public static (PutItem? Command, Dictionary<string, string[]> Errors) Create(string sku, int? available, decimal? price)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Skus.IsValid(sku))
        {
            errors["sku"] = [Skus.Rule];
        }

        if (available is not >= 0)
        {
            errors["available"] = ["available must be an integer >= 0."];
        }

        if (price is not > 0 || !Money.IsValidAmount(price.Value))
        {
            errors["price"] = ["price must be a number > 0 with at most 2 decimals."];
        }

        return errors.Count > 0 ? (null, errors) : (new PutItem(sku, available!.Value, Money.ToCents(price!.Value)), errors);
    }
}

/// <summary>Creates the item or restocks it (units held for orders stay held).</summary>
public sealed class PutItemHandler(IAggregateStore<StockItem> stock)
{
    public Task<StockItem> HandleAsync(PutItem command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var loaded = await stock.LoadAsync(command.Sku);
            var item = loaded.State?.Restock(command.Available, command.PriceCents) ?? StockItem.New(command.Sku, command.Available, command.PriceCents);
            await stock.SaveAsync(loaded, item, []);
            return item;
        });
    }
}

/// <summary>Reads one SKU's stock and price.</summary>
public sealed class GetItemHandler(IAggregateStore<StockItem> stock)
{
    public async Task<StockItem?> HandleAsync(string sku) => (await stock.LoadAsync(sku)).State;
}
