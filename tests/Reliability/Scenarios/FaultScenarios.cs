using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Serverless.Reliability.Scenarios;

/// <summary>
/// Faults while the system runs: participants down or slow, the bus down, messages delivered again,
/// poison and unreadable messages, concurrent writers, oversold stock, an unreadable config store.
/// Each row ends with the books checked (<see cref="Books.CheckAsync"/>).
/// </summary>
public static class FaultScenarios
{
    private const string Group = "fault";
    private const string Customer = "bob";
    private static readonly TimeSpan Final = TimeSpan.FromSeconds(90);

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new(Group, "participant down longer than the saga deadline", ParticipantDownPastDeadlineAsync),
        new(Group, "participant slow: timeouts and retries never double-charge", ParticipantSlowAsync),
        new(Group, "duplicate saga start: one saga", DuplicateStartAsync),
        new(Group, "bus down for 60 s: the outbox drains afterwards", BusDownAsync),
        new(Group, "a message delivered 3 times: one effect", DeliveredThreeTimesAsync),
        new(Group, "poison and unreadable messages: dead-lettered, replayed once", PoisonAndUnreadableAsync),
        new(Group, "concurrent writers on one order stream", ConcurrentWritersAsync),
        new(Group, "50 concurrent orders on stock 10: exactly 10 confirmed", OversoldStockAsync),
        new(Group, "config store unreadable: last good values", ConfigStoreUnreadableAsync),
    ];

    /// <summary>Shipping down for longer than a 15 s saga deadline: the orders time out and are compensated.</summary>
    private static async Task<string> ParticipantDownPastDeadlineAsync(Lab lab)
    {
        var system = await lab.SystemAsync("deadline", new Dictionary<string, string> { ["Saga__Deadline"] = "00:00:15" });
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("fault-deadline", 10, 4m);
        await books.WalletAsync(Customer, 100m);
        await system.Shop.SetFaultAsync("shipping", "down");
        try
        {
            await books.PlaceManyAsync(Customer, sku, 2);

            // Down for 20 s, longer than the 15 s deadline (the outage's definition, not a wait for a condition).
            await Task.Delay(TimeSpan.FromSeconds(20));
            Assert.All(await books.CurrentAsync(), o => Assert.Equal("Pending", o.Status)); // compensating a booking needs shipping back
        }
        finally
        {
            await system.Shop.SetFaultAsync("shipping", "none");
        }

        var final = await books.AllFinalAsync(Final);
        Assert.All(final, o => Assert.Equal(("Cancelled", "TimedOut"), (o.Status, o.CancellationReason)));
        return "shipping down 20 s past a 15 s deadline: 2 orders cancelled as TimedOut once it was back; " + await books.CheckAsync(Final);
    }

    /// <summary>Payments answers every call 2 s late: the saga's calls time out and retry, and each order is charged once.</summary>
    private static async Task<string> ParticipantSlowAsync(Lab lab)
    {
        var system = await lab.SystemAsync();
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("fault-slow", 20, 3m);
        await books.WalletAsync(Customer, 100m);
        await system.Shop.SetFaultAsync("payments", "slow");
        try
        {
            await books.PlaceManyAsync(Customer, sku, 5);
            await books.AllFinalAsync(Final);
        }
        finally
        {
            await system.Shop.SetFaultAsync("payments", "none");
        }

        return "payments 2 s late on every call; " + await books.CheckAsync(Final);
    }

    /// <summary>The same placement sent 8 times at once with one Idempotency-Key: one order, one saga, one charge.</summary>
    private static async Task<string> DuplicateStartAsync(Lab lab)
    {
        var system = await lab.SystemAsync();
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("fault-duplicate", 10, 5m);
        await books.WalletAsync(Customer, 100m);
        var key = Guid.NewGuid().ToString();
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => system.Shop.PlaceAsync(Customer, ShopClient.Order(sku, 2), key)));
        Assert.Single(ids.Distinct());
        books.Add(Customer, ids[0], sku, 2);

        var summary = await books.CheckAsync(Final);
        var events = await system.Shop.EventsAsync(Customer, ids[0]);
        Assert.Single(events, e => e.Type == "PaymentCharged");
        return "8 concurrent placements, one key: one order, charged once; " + summary;
    }

    /// <summary>The bus down for 60 s while orders complete: nothing is relayed meanwhile, everything afterwards.</summary>
    private static async Task<string> BusDownAsync(Lab lab)
    {
        var system = await lab.SystemAsync();
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("fault-bus", 20, 2m);
        await books.WalletAsync(Customer, 100m);
        await system.Shop.SetFaultAsync("bus", "down");
        int noticed;
        try
        {
            var orders = (await books.PlaceManyAsync(Customer, sku, 5)).ToHashSet(StringComparer.Ordinal);
            await books.AllFinalAsync(Final);

            // The outage itself lasts 60 s (the scenario's definition, not a wait for a condition).
            await Task.Delay(TimeSpan.FromSeconds(60));
            noticed = (await system.Shop.AllPagesAsync("api/notifications", Customer)).Count(n => orders.Contains(n.GetProperty("orderId").GetString()!));
            Assert.True(noticed == 0, $"{noticed} notifications arrived while the bus was down: the switch did not hold the bus");
        }
        finally
        {
            await system.Shop.SetFaultAsync("bus", "none");
        }

        return "no notification during a 60 s bus outage; afterwards " + await books.CheckAsync(Final);
    }

    /// <summary>An order's events delivered to the notifications subscription three times: one notification each.</summary>
    private static async Task<string> DeliveredThreeTimesAsync(Lab lab)
    {
        var system = await lab.SystemAsync();
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("fault-redelivery", 10, 2m);
        await books.WalletAsync(Customer, 100m);
        var queue = NotificationsQueue(system);
        await system.Shop.SetFaultAsync("notifications", "down");
        int copies;
        try
        {
            var orderId = await books.PlaceAsync(Customer, sku, 1);
            await books.AllFinalAsync(Final);
            var mine = await UntilAsync(async () =>
            {
                var peeked = (await queue.PeekMessagesAsync(32)).Value.Where(m => m.Body.ToString().Contains(orderId, StringComparison.Ordinal)).ToList();
                return peeked.Count >= 2 ? peeked : null; // OrderReceived and OrderConfirmed
            }, "the order's events never reached the notifications queue");

            // Two more copies of each: three deliveries of the same message ids
            foreach (var message in mine)
            {
                await queue.SendMessageAsync(message.Body.ToString());
                await queue.SendMessageAsync(message.Body.ToString());
            }

            copies = mine.Count * 3;
        }
        finally
        {
            await system.Shop.SetFaultAsync("notifications", "none");
        }

        return $"{copies} deliveries of {copies / 3} messages; " + await books.CheckAsync(Final);
    }

    /// <summary>
    /// An unreadable message (not JSON) and a poison one (an order event naming no customer) on the notifications
    /// subscription: both dead-lettered with their reason; a replay puts each back once; they die again, once each,
    /// and a purge clears them.
    /// <para>
    /// The lab is one running system shared by several rows, so its dead letters are not all this row's: a
    /// message of another row can die while this one runs. The row therefore follows its OWN two messages
    /// (the poison by its message id, the unreadable one by a marker in its raw body, read from the poison
    /// queue) rather than global counts, and names any other dead letter it saw in its result.
    /// </para>
    /// </summary>
    private static async Task<string> PoisonAndUnreadableAsync(Lab lab)
    {
        var system = await lab.SystemAsync();
        var shop = system.Shop;
        await PurgeDeadLettersAsync(shop);
        var queue = NotificationsQueue(system);
        var poisonId = Guid.NewGuid().ToString();
        var poison = new JsonObject
        {
            ["messageId"] = poisonId,
            ["topic"] = "orders",
            ["type"] = "OrderConfirmed",
            ["subject"] = Guid.NewGuid().ToString(),
            ["correlationId"] = Guid.NewGuid().ToString(),
            ["at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["data"] = new JsonObject { ["note"] = "no customerId" },
        };
        var unreadableBody = $"this is not an event {{ {Guid.NewGuid():N}";
        await queue.SendMessageAsync(poison.ToJsonString());
        await queue.SendMessageAsync(unreadableBody);
        var strangers = new HashSet<string>(StringComparer.Ordinal);

        // Both dead-lettered, each once, with its reason, as the operator's list shows them.
        var first = await UntilAsync(async () => await OursAsync() is { Poison.Count: > 0, Unreadable.Count: > 0 } ours ? ours : null,
            "the poison and the unreadable message were not both dead-lettered", TimeSpan.FromSeconds(120));
        var (poisonLetter, unreadableLetter) = (Assert.Single(first.Poison), Assert.Single(first.Unreadable));
        Assert.True(poisonLetter.GetProperty("reason").GetString()!.Length > 0, $"the poison message died without a reason: {poisonLetter}");
        Assert.Equal("Unreadable", unreadableLetter.GetProperty("type").GetString());
        Assert.StartsWith("Unreadable message", unreadableLetter.GetProperty("reason").GetString()!, StringComparison.Ordinal);

        // The replay moves every dead letter back: ours among them (another row's may be too: at least 2).
        using var replay = await shop.SendAsync(HttpMethod.Post, "ops/dead-letters/replay", "admin");
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var replayed = (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32();
        Assert.True(replayed >= 2, $"replayed {replayed}, fewer than this row's 2 dead letters");

        // Replayed once each: they come back to the dead letters as new dead letters (the unreadable one
        // under a new queue message id, the poison one after its deliveries again), once each, never twice.
        var again = await UntilAsync(async () => await OursAsync() is { Poison.Count: > 0, Unreadable.Count: > 0 } ours
                && ours.Unreadable.All(u => Id(u) != Id(unreadableLetter)) && ours.Poison.All(p => At(p) > At(poisonLetter)) ? ours : null,
            "the replayed messages did not come back to the dead letters", TimeSpan.FromSeconds(120));
        Assert.True(again.Poison.Count == 1 && again.Unreadable.Count == 1,
            $"after one replay: {again.Poison.Count} poison and {again.Unreadable.Count} unreadable dead letters of this row, not 1 and 1");

        var purged = await PurgeDeadLettersAsync(shop);
        Assert.True(purged >= 2, $"purged {purged}, fewer than this row's 2 dead letters");
        var left = await OursAsync();
        Assert.True(left.Poison.Count == 0 && left.Unreadable.Count == 0, "this row's dead letters outlived the purge");
        return $"unreadable and poison messages dead-lettered with reasons, replayed once ({replayed} replayed), dead again once each, purged"
            + (strangers.Count == 0 ? "" : $"; meanwhile {strangers.Count} other dead letter(s) in the shared lab: {string.Join("; ", strangers)}");

        // This row's dead letters in the operator's list: the poison by its message id, the unreadable one by
        // the queue message id its dead letter carries, found by its raw body in the poison queue. Others are noted.
        // The list is read first, then the poison queue: a dead letter the list shows is still in the queue
        // (only this row replays or purges), so a letter that dies in between is never mistaken for another's.
        async Task<OwnDeadLetters> OursAsync()
        {
            var letters = await DeadLettersAsync(shop);
            var unreadableIds = await UnreadableIdsAsync(system, unreadableBody);
            var (mine, unreadable) = (new List<JsonElement>(), new List<JsonElement>());
            foreach (var letter in letters)
            {
                if (Id(letter) == poisonId)
                {
                    mine.Add(letter);
                }
                else if (unreadableIds.Contains(Id(letter)))
                {
                    unreadable.Add(letter);
                }
                else
                {
                    strangers.Add($"{Id(letter)} {letter.GetProperty("type").GetString()} {letter.GetProperty("subject").GetString()}: {letter.GetProperty("reason").GetString()}");
                }
            }

            return new OwnDeadLetters(mine, unreadable);
        }

        static string Id(JsonElement letter) => letter.GetProperty("messageId").GetString()!;

        static DateTimeOffset At(JsonElement letter) => letter.GetProperty("at").GetDateTimeOffset();
    }

    /// <summary>Ten concurrent cancels of one pending order: one accepted, the stream without gaps, the order cancelled once.</summary>
    private static async Task<string> ConcurrentWritersAsync(Lab lab)
    {
        var system = await lab.SystemAsync();
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("fault-writers", 10, 2m);
        await books.WalletAsync(Customer, 100m);
        await system.Shop.SetFaultAsync("payments", "slow"); // keeps the order pending while the cancels race
        HttpStatusCode[] answers;
        string orderId;
        try
        {
            orderId = await books.PlaceAsync(Customer, sku, 1);
            answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            {
                using var response = await system.Shop.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/cancel", Customer);
                return response.StatusCode;
            }));
            Assert.Equal(1, answers.Count(a => a == HttpStatusCode.Accepted));
            Assert.Equal(9, answers.Count(a => a == HttpStatusCode.Conflict));
            books.CancelRequested(orderId);
            await books.AllFinalAsync(Final);
        }
        finally
        {
            await system.Shop.SetFaultAsync("payments", "none");
        }

        var events = await system.Shop.EventsAsync(Customer, orderId);
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.Version));
        Assert.Single(events, e => e.Type == "CancellationRequested");
        Assert.Single(events, e => e.Type == "OrderCancelled");
        return "10 concurrent cancels: 1 × 202, 9 × 409, versions 1.." + events.Count + " without gaps; " + await books.CheckAsync(Final);
    }

    /// <summary>50 customers' worth of orders at once on 10 units: exactly 10 confirmed, the rest cancelled OutOfStock.</summary>
    private static async Task<string> OversoldStockAsync(Lab lab)
    {
        var system = await lab.SystemAsync();
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("fault-oversold", 10, 1m);
        await books.WalletAsync(Customer, 1000m);
        await books.PlaceManyAsync(Customer, sku, 50, _ => 1);
        var final = await books.AllFinalAsync(TimeSpan.FromSeconds(150));
        Assert.Equal(10, final.Count(o => o.Status == "Confirmed"));
        Assert.All(final.Where(o => o.Status == "Cancelled"), o => Assert.Equal("OutOfStock", o.CancellationReason));
        return "50 orders on 10 units: 10 confirmed, 40 OutOfStock; " + await books.CheckAsync(Final);
    }

    /// <summary>The config store's file broken by hand: the services keep its last good values until it is readable again.</summary>
    private static async Task<string> ConfigStoreUnreadableAsync(Lab lab)
    {
        var system = await lab.SystemAsync();
        var books = system.NewBooks();
        var sku = await books.NewSkuAsync("fault-config", 20, 1m);
        await books.WalletAsync(Customer, 100m);
        await system.Shop.SetConfigAsync("Shipping:SupportedCountries", "KR,US,GB,DE,FR,JP,ZZ");
        string? good = null;
        try
        {
            // The watched file reloads within a moment: wait until ZZ ships
            await UntilAsync(async () =>
            {
                var id = await system.Shop.PlaceAsync(Customer, ShopClient.Order(sku, 1, country: "ZZ"));
                books.Add(Customer, id, sku, 1);
                return (await system.Shop.FinalAsync(Customer, id)).Status == "Confirmed" ? id : null;
            }, "the config store's new value never took effect");

            // When the store becomes unreadable
            good = await File.ReadAllTextAsync(system.Host.SettingsFile);
            var warnings = CountLines(system.Host.LogFile, "cannot be read");
            await File.WriteAllTextAsync(system.Host.SettingsFile, good[..(good.Length / 2)]);
            await UntilAsync(() => Task.FromResult(CountLines(system.Host.LogFile, "cannot be read") > warnings ? "seen" : null),
                "the host never noticed the unreadable settings file");

            // Then the last good value still holds
            var placed = await system.Shop.PlaceAsync(Customer, ShopClient.Order(sku, 1, country: "ZZ"));
            books.Add(Customer, placed, sku, 1);
            var order = await system.Shop.FinalAsync(Customer, placed);
            Assert.True(order.Status == "Confirmed", $"With the config store unreadable a ZZ order was {order.Status} ({order.CancellationReason}): the last good value was lost");

            // And a write to the store refuses to build on a file it cannot read (a clear 409, the file unchanged)
            using var refused = await system.Shop.SendAsync(HttpMethod.Put, "ops/config/Shipping:SupportedCountries", "admin", new { value = "KR" });
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal(good[..(good.Length / 2)], await File.ReadAllTextAsync(system.Host.SettingsFile));
        }
        finally
        {
            if (good is not null)
            {
                await File.WriteAllTextAsync(system.Host.SettingsFile, good);
            }

            await system.Shop.SetConfigAsync("Shipping:SupportedCountries", "KR,US,GB,DE,FR,JP");
        }

        return "config file half-written: ZZ still ships (last good value); " + await books.CheckAsync(Final);
    }

    /// <summary>One row's own dead letters as the operator's list shows them.</summary>
    private sealed record OwnDeadLetters(List<JsonElement> Poison, List<JsonElement> Unreadable);

    private static QueueClient NotificationsQueue(RunningSystem system) =>
        new(system.Host.AzuriteConnectionString, "orders-notifications", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>
    /// The message ids under which the notifications subscription's poison queue holds the unreadable
    /// message <paramref name="rawBody"/> (an unreadable message's dead letter keeps its raw body and its queue message id).
    /// </summary>
    private static async Task<HashSet<string>> UnreadableIdsAsync(RunningSystem system, string rawBody)
    {
        var poisonQueue = new QueueClient(system.Host.AzuriteConnectionString, "orders-notifications-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (!await poisonQueue.ExistsAsync())
        {
            return ids;
        }

        foreach (var message in (await poisonQueue.PeekMessagesAsync(32)).Value)
        {
            using var letter = JsonDocument.Parse(message.Body.ToString());
            if (letter.RootElement.TryGetProperty("event", out var e) && e.TryGetProperty("data", out var data)
                && data.ValueKind == JsonValueKind.String && data.GetString() == rawBody)
            {
                ids.Add(e.GetProperty("messageId").GetString()!);
            }
        }

        return ids;
    }

    private static async Task<List<JsonElement>> DeadLettersAsync(ShopClient shop)
    {
        using var response = await shop.SendAsync(HttpMethod.Get, "ops/dead-letters", "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<JsonElement>>())!;
    }

    private static async Task<int> PurgeDeadLettersAsync(ShopClient shop)
    {
        using var response = await shop.SendAsync(HttpMethod.Delete, "ops/dead-letters", "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("purged").GetInt32();
    }

    private static int CountLines(string file, string text)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            count += line.Contains(text, StringComparison.Ordinal) ? 1 : 0;
        }

        return count;
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string failure, TimeSpan? within = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(200);
        }
    }
}
