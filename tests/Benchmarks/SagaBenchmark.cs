using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Serverless.Reliability;
using Spectre.Console;

namespace Serverless.Benchmarks;

/// <summary>
/// What a shop's users feel: orders per second through the whole system (gateway -> orders -> the
/// durable saga -> inventory, payments, shipping -> confirmed) and how long <c>POST /api/orders</c>
/// takes, on the real system started as a process. Beside it, the cost floor of the business work:
/// the same participant calls made inline by one client, with no orchestration and no outbox.
/// </summary>
/// <remarks>
/// Phases, in one run on one system: the inline baseline; a fixed moderate load (5 orders/s, every
/// fifth one declined by payments so its saga compensates); a burst (orders posted 16 at a time, as a
/// new user would try it); a scale curve of closed-loop clients (each places an order, waits until it
/// is final, places the next). Latencies to a final state come from the order's own events (their
/// <c>at</c>, stamped by the orders service on this machine's clock) against the moment the POST was
/// sent, so no polling delay is counted. Runs once per storage mode: <c>sqlite</c> (names as they are)
/// and <c>cosmos</c> (names suffixed <c>_cosmos</c>).
/// </remarks>
internal sealed class SagaBenchmark(string storage = "sqlite") : IBenchmark
{
    private const string Rich = "alice";
    private const string Poor = "bob";
    private static readonly int[] ScaleLevels = [1, 4, 16, 64];

    private string Suffix => storage == "sqlite" ? "" : "_" + storage;

    public string Name => $"Order saga throughput and latency ({storage})";

    public IReadOnlyDictionary<string, string> Units
    {
        get
        {
            var units = new Dictionary<string, string>
            {
                ["baseline_inline_orders_per_s"] = "/s, price + reserve + charge + book + commit called inline, 16 clients, no saga",
                ["saga_durable_per_s"] = "/s, burst of orders posted 16 at a time -> all Confirmed",
                ["place_order_p50_ms"] = "ms at 5 orders/s (target <= 50)",
                ["place_order_p99_ms"] = "ms at 5 orders/s (target <= 200)",
                ["place_order_p50_ms_saturation"] = "ms, during the burst",
                ["place_order_p99_ms_saturation"] = "ms, during the burst",
                ["order_to_confirmed_p50_ms"] = "ms at 5 orders/s, POST sent -> OrderConfirmed",
                ["order_to_confirmed_p99_ms"] = "ms at 5 orders/s",
                ["order_to_cancelled_p50_ms"] = "ms at 5 orders/s, payment declined -> compensated, Cancelled",
                ["compensation_overhead_ratio"] = "x, cancelled-path p50 / happy-path p50",
            };
            foreach (var c in ScaleLevels)
            {
                units[$"saga_durable_per_s_c{c}"] = $"/s, {c} closed-loop clients";
                units[$"saga_durable_p99_ms_c{c}"] = "ms, POST sent -> final";
            }

            return Suffix.Length == 0 ? units : units.ToDictionary(u => u.Key + Suffix, u => u.Value);
        }
    }

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var ports = AppHostProcess.FreePorts(3);
        await using var host = await AppHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Storage__Provider"] = storage,
            ["LocalHost__Ports__inventory"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["LocalHost__Ports__payments"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["LocalHost__Ports__shipping"] = ports[2].ToString(CultureInfo.InvariantCulture),
        });
        using var shop = new Shop(host.Gateway);
        await shop.SignInAsync(ct);
        // A catalogue of 8 items, ordered round-robin: a shop's load, not 64 writers on one hot item.
        var skus = Enumerable.Range(1, 8).Select(i => $"BENCH-SAGA-{Guid.NewGuid().ToString("N")[..6]}-{i}").ToArray();
        foreach (var item in skus)
        {
            await shop.AdminAsync(HttpMethod.Put, $"api/inventory/{item}", new { available = 10_000_000, price = 1 }, ct);
        }

        var sku = new Catalogue(skus);
        await shop.AdminAsync(HttpMethod.Put, $"api/payments/accounts/{Rich}", new { balance = 1_000_000_000 }, ct);
        await shop.AdminAsync(HttpMethod.Put, $"api/payments/accounts/{Poor}", new { balance = 0 }, ct);

        var results = new Dictionary<string, double>();
        void Report(string name, double value) => results[name + Suffix] = value;

        // Warm-up: JIT, connection pools, the task hub's queues.
        await ClosedLoopAsync(shop, sku, 4, TimeSpan.FromSeconds(quick ? 3 : 5), ct);

        Step("inline baseline");
        Report("baseline_inline_orders_per_s", await InlineBaselineAsync(shop, ports, sku, quick ? 100 : 500, ct));

        Step("5 orders/s");
        var moderate = await FixedRateAsync(shop, sku, 5, TimeSpan.FromSeconds(quick ? 8 : 40), ct);
        Report("place_order_p50_ms", Percentile(moderate.Posts, 0.50));
        Report("place_order_p99_ms", Percentile(moderate.Posts, 0.99));
        Report("order_to_confirmed_p50_ms", Percentile(moderate.Confirmed, 0.50));
        Report("order_to_confirmed_p99_ms", Percentile(moderate.Confirmed, 0.99));
        Report("order_to_cancelled_p50_ms", Percentile(moderate.Cancelled, 0.50));
        Report("compensation_overhead_ratio", Percentile(moderate.Cancelled, 0.50) / Percentile(moderate.Confirmed, 0.50));

        Step("burst");
        var burst = await BurstAsync(shop, sku, quick ? 80 : 400, 16, ct);
        Report("saga_durable_per_s", burst.PerSecond);
        Report("place_order_p50_ms_saturation", Percentile(burst.Posts, 0.50));
        Report("place_order_p99_ms_saturation", Percentile(burst.Posts, 0.99));

        foreach (var c in ScaleLevels)
        {
            Step($"{c} closed-loop clients");
            var level = await ClosedLoopAsync(shop, sku, c, TimeSpan.FromSeconds(quick ? 4 : 30), ct);
            Report($"saga_durable_per_s_c{c}", level.PerSecond);
            Report($"saga_durable_p99_ms_c{c}", Percentile(level.Final, 0.99));
        }

        return results;

        void Step(string what) => AnsiConsole.MarkupLine($"[grey]  {Markup.Escape(storage)}: {Markup.Escape(what)}...[/]");
    }

    /// <summary>The business work without the saga: one client per order calls the participants in turn, directly.</summary>
    private static async Task<double> InlineBaselineAsync(Shop shop, int[] ports, Catalogue sku, int orders, CancellationToken ct)
    {
        using var inventory = Shop.Client(new Uri($"http://127.0.0.1:{ports[0]}/"));
        using var payments = Shop.Client(new Uri($"http://127.0.0.1:{ports[1]}/"));
        using var shipping = Shop.Client(new Uri($"http://127.0.0.1:{ports[2]}/"));
        var clock = Stopwatch.StartNew();
        await ForEachConcurrentAsync(orders, 16, async _ =>
        {
            var orderId = Guid.NewGuid().ToString();
            var item = sku.Next();
            using (var price = await shop.SendAsync(inventory, HttpMethod.Get, $"api/inventory/{item}", shop.AdminToken, null, ct))
            {
                await price.Content.ReadFromJsonAsync<JsonElement>(ct);
            }

            (await shop.SendAsync(inventory, HttpMethod.Post, "api/inventory/reservations", shop.AdminToken, new { orderId, items = new[] { new { sku = item, quantity = 1 } } }, ct)).Dispose();
            (await shop.SendAsync(payments, HttpMethod.Post, "api/payments/charges", shop.AdminToken, new { orderId, customerId = Rich, amount = 1m }, ct)).Dispose();
            (await shop.SendAsync(shipping, HttpMethod.Post, "api/shipping/shipments", shop.AdminToken, new { orderId, country = "KR" }, ct)).Dispose();
            (await shop.SendAsync(inventory, HttpMethod.Post, $"api/inventory/reservations/{orderId}/commit", shop.AdminToken, new { }, ct)).Dispose();
        });
        return orders / clock.Elapsed.TotalSeconds;
    }

    private sealed record Latencies(double[] Posts, double[] Confirmed, double[] Cancelled);

    /// <summary>Open loop: one order every 1/rate s whatever the answers; every fifth from a customer whose payment is declined.</summary>
    private static async Task<Latencies> FixedRateAsync(Shop shop, Catalogue sku, int perSecond, TimeSpan duration, CancellationToken ct)
    {
        var count = (int)(duration.TotalSeconds * perSecond);
        var placed = new ConcurrentBag<Placed>();
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * Stopwatch.Frequency / (double)perSecond);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(TimeSpan.FromTicks(Math.Max(1, (due - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)), ct);
            }

            var customer = i % 5 == 4 ? Poor : Rich;
            sends.Add(Task.Run(async () => placed.Add(await shop.PlaceAsync(customer, sku, ct)), ct));
        }

        await Task.WhenAll(sends);
        var finals = await shop.FinalEventsAsync(placed, ct);
        return new Latencies(
            [.. placed.Select(p => p.PostMs)],
            [.. finals.Where(f => f.Status == "Confirmed").Select(f => f.SinceSentMs)],
            [.. finals.Where(f => f.Status == "Cancelled").Select(f => f.SinceSentMs)]);
    }

    private sealed record Burst(double PerSecond, double[] Posts);

    /// <summary>Orders posted <paramref name="concurrency"/> at a time; throughput = orders / (first POST sent -> last order confirmed).</summary>
    private static async Task<Burst> BurstAsync(Shop shop, Catalogue sku, int orders, int concurrency, CancellationToken ct)
    {
        var placed = new ConcurrentBag<Placed>();
        await ForEachConcurrentAsync(orders, concurrency, async _ => placed.Add(await shop.PlaceAsync(Rich, sku, ct)));
        var finals = await shop.FinalEventsAsync(placed, ct);
        var notConfirmed = finals.Count(f => f.Status != "Confirmed");
        if (notConfirmed > 0)
        {
            throw new InvalidOperationException($"{notConfirmed} of {orders} burst orders were not confirmed.");
        }

        var first = placed.Min(p => p.SentAt);
        var last = finals.Max(f => f.At);
        return new Burst(orders / (last - first).TotalSeconds, [.. placed.Select(p => p.PostMs)]);
    }

    private sealed record Level(double PerSecond, double[] Final);

    /// <summary>
    /// <paramref name="clients"/> clients, each placing an order and waiting until it is final before
    /// the next, for <paramref name="duration"/>; throughput = orders / (first POST sent -> last order final),
    /// ramp-up and drain included.
    /// </summary>
    private static async Task<Level> ClosedLoopAsync(Shop shop, Catalogue sku, int clients, TimeSpan duration, CancellationToken ct)
    {
        var placed = new ConcurrentBag<Placed>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var order = await shop.PlaceAsync(Rich, sku, ct);
                await shop.UntilFinalAsync(order, ct);
                placed.Add(order);
            }
        }, ct)));
        var finals = await shop.FinalEventsAsync(placed, ct);
        return new Level(finals.Count / (finals.Max(f => f.At) - placed.Min(p => p.SentAt)).TotalSeconds, [.. finals.Select(f => f.SinceSentMs)]);
    }

    private static async Task ForEachConcurrentAsync(int count, int concurrency, Func<int, Task> body)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await body(i);
            }
        })));
    }

    private static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];
    }

    /// <summary>The items orders are made of, one after the other.</summary>
    private sealed class Catalogue(string[] skus)
    {
        private int _next = -1;

        public string Next() => skus[(int)((uint)Interlocked.Increment(ref _next) % skus.Length)];
    }

    private sealed record Placed(string OrderId, string Customer, DateTimeOffset SentAt, double PostMs);

    private sealed record Final(string OrderId, string Status, DateTimeOffset At, double SinceSentMs);

    /// <summary>The public API through the gateway (and, for the baseline, the services' own ports).</summary>
    private sealed class Shop(Uri gateway) : IDisposable
    {
        public HttpClient Http { get; } = Client(gateway);

        public Dictionary<string, string> Tokens { get; } = [];

        public string AdminToken => Tokens["admin"];

        public static HttpClient Client(Uri address) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(60),
        };

        public async Task SignInAsync(CancellationToken ct)
        {
            foreach (var user in new[] { "admin", Rich, Poor })
            {
                using var response = await Http.PostAsJsonAsync("auth/token", new { username = user, password = user + "-password" }, ct);
                response.EnsureSuccessStatusCode();
                Tokens[user] = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("accessToken").GetString()!;
            }
        }

        public async Task AdminAsync(HttpMethod method, string path, object body, CancellationToken ct) =>
            (await SendAsync(Http, method, path, AdminToken, body, ct)).Dispose();

        public async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string token, object? body, CancellationToken ct)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                response.Dispose();
                throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
            }

            return response;
        }

        public async Task<Placed> PlaceAsync(string customer, Catalogue catalogue, CancellationToken ct)
        {
            var order = new
            {
                items = new[] { new { sku = catalogue.Next(), quantity = 1 } },
                shippingAddress = new { line1 = "1 Bench St", city = "Seoul", postalCode = "04524", country = "KR" },
            };
            var sentAt = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            using var response = await SendAsync(Http, HttpMethod.Post, "api/orders", Tokens[customer], order, ct);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /api/orders answered {(int)response.StatusCode}.");
            }

            return new Placed(body.GetProperty("orderId").GetString()!, customer, sentAt, elapsed);
        }

        /// <summary>Polls the order (100 ms, then 1.5x longer each time, at most 500 ms apart) until it is final: cheap enough for 64 clients.</summary>
        public async Task UntilFinalAsync(Placed order, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow.AddSeconds(180);
            for (var wait = 100.0; ; wait = Math.Min(500, wait * 1.5))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), ct);
                using var response = await SendAsync(Http, HttpMethod.Get, $"api/orders/{order.OrderId}", Tokens[order.Customer], null, ct);
                if ((await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString() is "Confirmed" or "Cancelled")
                {
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Order {order.OrderId} was not final within 180 s.");
                }
            }
        }

        /// <summary>Waits until every order is final, then reads each one's final event from its stream.</summary>
        public async Task<List<Final>> FinalEventsAsync(IEnumerable<Placed> placed, CancellationToken ct)
        {
            var finals = new ConcurrentBag<Final>();
            var orders = placed.ToArray();
            var deadline = DateTime.UtcNow.AddSeconds(180);
            await ForEachConcurrentAsync(orders.Length, 4, async i =>
            {
                var order = orders[i];
                while (true)
                {
                    using var response = await SendAsync(Http, HttpMethod.Get, $"api/orders/{order.OrderId}/events?limit=500", Tokens[order.Customer], null, ct);
                    var last = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).EnumerateArray()
                        .LastOrDefault(e => e.GetProperty("type").GetString() is "OrderConfirmed" or "OrderCancelled");
                    if (last.ValueKind == JsonValueKind.Object)
                    {
                        var at = last.GetProperty("at").GetDateTimeOffset();
                        var status = last.GetProperty("type").GetString() == "OrderConfirmed" ? "Confirmed" : "Cancelled";
                        finals.Add(new Final(order.OrderId, status, at, (at - order.SentAt).TotalMilliseconds));
                        return;
                    }

                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"Order {order.OrderId} was not final within 180 s.");
                    }

                    await Task.Delay(100, ct);
                }
            });
            return [.. finals];
        }

        public void Dispose() => Http.Dispose();
    }
}
