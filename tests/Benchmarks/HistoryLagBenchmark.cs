using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Serverless.Reliability;

namespace Serverless.Benchmarks;

/// <summary>
/// Order accepted (202 through the gateway) -> visible in the order history (CQRS read model), over
/// 200 orders, on the real system started as a process. Measures the whole path: outbox, change
/// feed relay, bus (Azurite queue), idempotent projection.
/// </summary>
/// <remarks>Runs once per storage mode: <c>sqlite</c> (names as they are) and <c>cosmos</c> (names suffixed <c>_cosmos</c>).</remarks>
internal sealed class HistoryLagBenchmark(string storage = "sqlite") : IBenchmark
{
    private string Suffix => storage == "sqlite" ? "" : "_" + storage;

    public string Name => $"Order history lag (orders 8 at a time through the gateway, {storage})";

    public IReadOnlyDictionary<string, string> Units => new Dictionary<string, string>
    {
        ["history_lag_p50_ms" + Suffix] = "ms, POST sent -> seen in GET /api/order-history",
        ["history_lag_p99_ms" + Suffix] = "ms (target <= 1000)",
        ["history_place_order_p50_ms" + Suffix] = "ms, POST /api/orders -> 202, 8 at a time back to back (saturation)",
        ["history_place_order_p99_ms" + Suffix] = "ms, the same",
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var orders = quick ? 80 : 200;
        await using var host = await AppHostProcess.StartAsync(new Dictionary<string, string> { ["Storage__Provider"] = storage });
        using var http = new HttpClient { BaseAddress = host.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        var admin = await Token(http, "admin");
        var alice = await Token(http, "alice");
        await Send(http, HttpMethod.Put, "api/inventory/BENCH-1", admin, new { available = 100_000, price = 1 });
        await Send(http, HttpMethod.Put, "api/payments/accounts/alice", admin, new { balance = 1_000_000 });

        // "Accepted" is taken as the moment the POST was sent: the order is committed somewhere before
        // its 202 arrives, so this is a conservative upper bound on the lag (it includes the POST itself).
        var accepted = new ConcurrentDictionary<string, long>();
        var answered = new ConcurrentDictionary<string, long>();
        var seen = new ConcurrentDictionary<string, long>();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await Get(http, "api/order-history", alice);
                foreach (var o in (await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None)).EnumerateArray())
                {
                    seen.TryAdd(o.GetProperty("orderId").GetString()!, clock.ElapsedTicks);
                }

                await Task.Delay(10, CancellationToken.None);
            }
        }, CancellationToken.None);

        var order = new
        {
            items = new[] { new { sku = "BENCH-1", quantity = 1 } },
            shippingAddress = new { line1 = "1 Bench St", city = "Seoul", postalCode = "04524", country = "KR" },
        };
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, orders).Select(async _ =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var sent = clock.ElapsedTicks;
                using var response = await Send(http, HttpMethod.Post, "api/orders", alice, order);
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("orderId").GetString()!;
                accepted[id] = sent;
                answered[id] = clock.ElapsedTicks;
            }
            finally
            {
                gate.Release();
            }
        }));

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (accepted.Keys.Any(id => !seen.ContainsKey(id)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }

        await stop.CancelAsync();
        await watcher;
        var missing = accepted.Keys.Count(id => !seen.ContainsKey(id));
        if (missing > 0)
        {
            throw new TimeoutException($"{missing} of {orders} orders never appeared in the order history.");
        }

        var lags = accepted.Select(a => (seen[a.Key] - a.Value) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        var posts = accepted.Select(a => (answered[a.Key] - a.Value) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        return new Dictionary<string, double>
        {
            ["history_lag_p50_ms" + Suffix] = Percentile(lags, 0.50),
            ["history_lag_p99_ms" + Suffix] = Percentile(lags, 0.99),
            ["history_place_order_p50_ms" + Suffix] = Percentile(posts, 0.50),
            ["history_place_order_p99_ms" + Suffix] = Percentile(posts, 0.99),
        };
    }

    private static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<string> Token(HttpClient http, string user)
    {
        using var response = await http.PostAsJsonAsync("auth/token", new { username = user, password = user + "-password" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static async Task<HttpResponseMessage> Send(HttpClient http, HttpMethod method, string path, string token, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response;
    }

    private static async Task<HttpResponseMessage> Get(HttpClient http, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response;
    }
}
