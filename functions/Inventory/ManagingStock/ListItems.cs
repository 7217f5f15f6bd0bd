using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;
using Serverless.Inventory.Domain;

namespace Serverless.Inventory.ManagingStock;

/// <summary>The catalogue: every SKU's stock and price, one page at a time in SKU order (the cursor is the last SKU).</summary>
public sealed class ListItemsHandler(IAggregateStore<StockItem> stock)
{
    public async Task<Page<StockItem>> HandleAsync(PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var items = await stock.ListAsync(page.After, page.Limit + 1, cancellationToken);
        return Paging.Slice(items.Select(i => i.State!), page.Limit, isAfter: null, item => item.Sku);
    }
}
