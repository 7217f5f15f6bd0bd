using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Serverless.Reliability;

namespace Serverless.Benchmarks;

/// <summary>
/// What the gateway adds to a call: the same authenticated GET sent straight to the inventory
/// service and through the gateway (JWT validation, rate limit, correlation id, proxy hop),
/// alternating, in the same run.
/// </summary>
internal sealed class GatewayOverheadBenchmark : IBenchmark
{
    public string Name => "Gateway overhead (direct vs through the gateway)";

    public IReadOnlyDictionary<string, string> Units => new Dictionary<string, string>
    {
        ["gateway_overhead_p50_ms"] = "ms (target <= 1)",
        ["gateway_overhead_p99_ms"] = "ms",
        ["direct_p50_ms"] = "ms, GET /api/inventory/{sku} straight to the service",
        ["via_gateway_p50_ms"] = "ms, the same through the gateway",
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var inventoryPort = AppHostProcess.FreePorts(1)[0];
        await using var host = await AppHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["LocalHost__Ports__inventory"] = inventoryPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var gateway = new HttpClient { BaseAddress = host.Gateway };
        using var direct = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{inventoryPort}/") };
        var token = await Token(gateway, "admin");
        using (var put = new HttpRequestMessage(HttpMethod.Put, "api/inventory/BENCH-GW") { Content = JsonContent.Create(new { available = 1, price = 1 }) })
        {
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await gateway.SendAsync(put, ct)).EnsureSuccessStatusCode();
        }

        var rounds = quick ? 1000 : 5000;
        var viaDirect = new double[rounds];
        var viaGateway = new double[rounds];
        for (var i = -200; i < rounds; i++) // the first 200 warm both paths up
        {
            var d = await Time(direct, token, ct);
            var g = await Time(gateway, token, ct);
            if (i >= 0)
            {
                viaDirect[i] = d;
                viaGateway[i] = g;
            }
        }

        Array.Sort(viaDirect);
        Array.Sort(viaGateway);
        return new Dictionary<string, double>
        {
            ["direct_p50_ms"] = Percentile(viaDirect, 0.50),
            ["via_gateway_p50_ms"] = Percentile(viaGateway, 0.50),
            ["gateway_overhead_p50_ms"] = Percentile(viaGateway, 0.50) - Percentile(viaDirect, 0.50),
            ["gateway_overhead_p99_ms"] = Percentile(viaGateway, 0.99) - Percentile(viaDirect, 0.99),
        };
    }

    private static async Task<double> Time(HttpClient http, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/inventory/BENCH-GW");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        response.EnsureSuccessStatusCode();
        return elapsed;
    }

    private static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<string> Token(HttpClient http, string user)
    {
        using var response = await http.PostAsJsonAsync("auth/token", new { username = user, password = user + "-password" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }
}
