using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Messaging;
using Serverless.OrderHistory.Parking;

namespace Serverless.OrderHistory.Projecting;

/// <summary>
/// Where the order-history read model is kept: one <see cref="OrderHistoryView"/> per order. The
/// adapters persist; what a view holds is decided by <see cref="OrderHistoryView"/> alone.
/// <para>
/// Adapters: <see cref="Storage.Sqlite.SqliteOrderHistoryStore"/> (tables, the consumer inbox and the
/// feed checkpoint in one transaction) and <see cref="Storage.Cosmos.CosmosOrderHistoryStore"/> (one
/// document per order holding the view and its applied message ids, written with its ETag). Both pass
/// <c>OrderHistoryStoreContract</c>.
/// </para>
/// </summary>
public interface IOrderHistoryStore
{
    /// <summary>
    /// Applies each event of <paramref name="batch"/> to its order's view, at most once per message id
    /// (a redelivered batch changes nothing; concurrent applies to one order lose nothing). Returns how
    /// many events changed a view. An event whose order id no store can hold refuses the whole batch
    /// (<see cref="ArgumentException"/>) before anything changes. An event the projection cannot apply
    /// does not fail the batch: it is parked (<see cref="PoisonIsolation"/>, listed by <see cref="ParkedAsync"/>)
    /// once, and the others are applied; a redelivery neither applies nor parks it again.
    /// </summary>
    Task<int> ApplyAsync(IReadOnlyList<IntegrationEvent> batch, CancellationToken cancellationToken = default);

    /// <summary>The customer's orders, newest update first (<see cref="OrderHistoryView.NewestFirst"/>).</summary>
    Task<IReadOnlyList<OrderHistoryView>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the customer's orders, newest update first (<see cref="OrderHistoryView.NewestFirst"/>): at most
    /// <paramref name="limit"/>, strictly after <paramref name="after"/> (a <see cref="Paging.Position"/> of
    /// <c>updatedAt</c> and order id, as <see cref="Page{T}.Next"/> hands out; null for the first page). A position
    /// that is not one is a <see cref="FormatException"/>. The order's key is its last update, so an order updated
    /// between two page reads moves to the front: it is not on the later pages (it was, or will be, on the first).
    /// </summary>
    Task<Page<OrderHistoryView>> ForCustomerAsync(string customerId, int limit, string? after, CancellationToken cancellationToken = default);

    /// <summary>Every order in the model (what a rebuild compares with).</summary>
    Task<IReadOnlyList<OrderHistoryView>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Swaps a rebuilt model in, order by order, each against its live view at that moment
    /// (<see cref="OrderHistoryView.Swap"/>): what live applied from events not in <paramref name="replayed"/>
    /// (those the rebuild never read) stays; orders in neither go. Parked events the swapped-in model now holds
    /// are no longer parked.
    /// </summary>
    Task ReplaceWithAsync(IReadOnlyCollection<OrderHistoryView> rebuilt, IReadOnlySet<string> replayed, CancellationToken cancellationToken = default);

    /// <summary>The events parked so far and not yet repaired by a rebuild, oldest first.</summary>
    Task<IReadOnlyList<ParkedEvent>> ParkedAsync(CancellationToken cancellationToken = default);
}
