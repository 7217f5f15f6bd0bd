using System.Globalization;

namespace Serverless.Reliability.Scenarios;

/// <summary>
/// Crash and restart: SIGKILL of the whole process group (the AppHost, the Azurite and the Cosmos
/// server it started, as a terminal's kill, an OOM kill or a power loss would), at a chosen point,
/// then the run command again on the same data. Afterwards every order must end final and every
/// invariant of <see cref="Books"/> hold. Azurite loses up to its last 5 s of writes in such a crash
/// (saga instances, their queue messages, bus messages), which the system must recover from its own
/// stores: the saga reconciler and the relay's replay window.
/// </summary>
public static class CrashScenarios
{
    private const string Group = "crash";
    private const string Customer = "alice";
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(150);

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new(Group, "20 sagas just accepted", JustAcceptedAsync),
        new(Group, "20 sagas mid-flight", MidFlightAsync),
        new(Group, "during a saga activity", DuringActivityAsync),
        new(Group, "during a compensation", DuringCompensationAsync),
        new(Group, "between the outbox write and its relay", BeforeRelayAsync),
        new(Group, "inside a consumer before its checkpoint", InsideConsumerAsync),
    ];

    /// <summary>20 orders answered 202, then the crash at once: their sagas may exist only in Azurite's memory.</summary>
    private static async Task<string> JustAcceptedAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Group);
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("crash-accepted", 100, 2m);
        await books.WalletAsync(Customer, 1000m);
        await books.PlaceManyAsync(Customer, sku, 20);

        await system.CrashAndRestartAsync();

        return "crashed right after 20 × 202; " + await books.CheckAsync(Recovery);
    }

    /// <summary>20 orders, crash as soon as the first is final (payments 2 s late, so the rest are mid-saga).</summary>
    private static async Task<string> MidFlightAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Group);
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("crash-midflight", 100, 2m);
        await books.WalletAsync(Customer, 1000m);
        await system.Shop.SetFaultAsync("payments", "slow");
        await books.PlaceManyAsync(Customer, sku, 20);
        var final = await UntilAsync(books, o => o.Count(v => ShopClient.FinalStatuses.Contains(v.Status)) is var n && n > 0 ? n : null, "no order became final");

        await system.CrashAndRestartAsync(); // fault switches live in memory: the restarted system has none

        return $"crashed with {final} of 20 final; " + await books.CheckAsync(Recovery);
    }

    /// <summary>Crash while ChargePayment runs (stock reserved, payments 2 s late on every call).</summary>
    private static async Task<string> DuringActivityAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Group);
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("crash-activity", 50, 3m);
        await books.WalletAsync(Customer, 1000m);
        await system.Shop.SetFaultAsync("payments", "slow");
        var orders = await books.PlaceManyAsync(Customer, sku, 5);
        var inFlight = await UntilAsync(books, _ => FirstWithAsync(system.Shop, orders, has: "StockReserved", lacks: "PaymentCharged"), "no order reached the charge step");

        await system.CrashAndRestartAsync();

        return $"crashed while order {inFlight} was being charged; " + await books.CheckAsync(Recovery);
    }

    /// <summary>5 confirmed orders cancelled by the customer; crash while the refunds run (payments 2 s late).</summary>
    private static async Task<string> DuringCompensationAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Group);
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("crash-compensation", 50, 3m);
        await books.WalletAsync(Customer, 1000m);
        var orders = await books.PlaceManyAsync(Customer, sku, 5);
        Assert.All(await books.AllFinalAsync(TimeSpan.FromSeconds(60)), o => Assert.Equal("Confirmed", o.Status));
        await system.Shop.SetFaultAsync("payments", "slow");
        foreach (var id in orders)
        {
            await books.CancelAsync(Customer, id);
        }

        var compensating = await UntilAsync(books, _ => FirstWithAsync(system.Shop, orders, has: "ShipmentCancelled", lacks: "OrderCancelled"), "no compensation was seen in flight");

        await system.CrashAndRestartAsync();

        var summary = await books.CheckAsync(Recovery);
        Assert.All(await books.CurrentAsync(), o => Assert.Equal("Cancelled", o.Status));
        return $"crashed while order {compensating} was being refunded; " + summary;
    }

    /// <summary>
    /// 10 orders final, then the crash at once: their last events were relayed to the bus within
    /// Azurite's unsaved seconds, after the relay's checkpoint had moved past them.
    /// </summary>
    private static async Task<string> BeforeRelayAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Group);
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("crash-relay", 50, 2m);
        await books.WalletAsync(Customer, 1000m);
        await books.PlaceManyAsync(Customer, sku, 10);
        await books.AllFinalAsync(TimeSpan.FromSeconds(60));

        await system.CrashAndRestartAsync();

        return "crashed as the last events were relayed; " + await books.CheckAsync(Recovery);
    }

    /// <summary>Consumers held back (notifications and order history down), then let go and crashed mid-consumption.</summary>
    private static async Task<string> InsideConsumerAsync(Lab lab)
    {
        var system = await lab.SystemAsync(Group);
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("crash-consumer", 50, 2m);
        await books.WalletAsync(Customer, 1000m);
        await system.Shop.SetFaultAsync("notifications", "down");
        await system.Shop.SetFaultAsync("order-history", "down");
        var orders = (await books.PlaceManyAsync(Customer, sku, 10)).ToHashSet(StringComparer.Ordinal);
        await books.AllFinalAsync(TimeSpan.FromSeconds(60));
        await system.Shop.SetFaultAsync("notifications", "none");
        await system.Shop.SetFaultAsync("order-history", "none");
        var seen = await UntilAsync(books, async _ =>
        {
            var mine = (await system.Shop.AllPagesAsync("api/notifications", Customer)).Count(n => orders.Contains(n.GetProperty("orderId").GetString()!));
            return mine > 0 ? mine.ToString(CultureInfo.InvariantCulture) : null;
        }, "the notifications consumer never started");

        await system.CrashAndRestartAsync();

        return $"crashed with {seen} of the orders' notifications written; " + await books.CheckAsync(Recovery);
    }

    /// <summary>The first of <paramref name="orders"/> whose stream has an event of type <paramref name="has"/> but none of <paramref name="lacks"/>.</summary>
    private static async Task<string?> FirstWithAsync(ShopClient shop, IEnumerable<string> orders, string has, string lacks)
    {
        foreach (var id in orders)
        {
            var types = (await shop.EventsAsync(Customer, id)).Select(e => e.Type).ToList();
            if (types.Contains(has) && !types.Contains(lacks))
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>Polls <paramref name="probe"/> (given the orders' current views) until it answers, for at most 60 s.</summary>
    private static async Task<T> UntilAsync<T>(Books books, Func<IReadOnlyList<OrderView>, Task<T?>> probe, string failure)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await probe(await books.CurrentAsync()) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }

    private static async Task<int> UntilAsync(Books books, Func<IReadOnlyList<OrderView>, int?> probe, string failure) =>
        (await UntilAsync(books, views => Task.FromResult(probe(views) is { } n ? new Box(n) : null), failure)).Value;

    private sealed record Box(int Value);
}
