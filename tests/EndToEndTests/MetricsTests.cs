using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Serverless.EndToEndTests;

/// <summary>
/// The business metrics on the gateway's <c>/ops/metrics</c> (Prometheus text): the saga's counters move by exactly
/// what the orders did (read before and after: the system is shared), the gauges and the histogram are there.
/// </summary>
[Collection("system")]
public sealed partial class MetricsTests(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task OneConfirmedAndOneDeclinedOrder_MoveTheSagaCounters_ByExactlyOneEach()
    {
        // Given stock at 30 and a wallet of 40: the first order confirms, the second is declined
        var sku = SystemFixture.NewSku("metrics");
        await _shop.PutStockAsync(sku, available: 5, price: 30m);
        await _shop.SetBalanceAsync("bob", 40m);
        await Poll.UntilAsync(NoSagaInFlightAsync, "orders of earlier tests are still pending"); // theirs would count too
        var before = await ScrapeAsync();

        // When both are placed, one after the other
        var confirmed = await _shop.FinalAsync("bob", await _shop.PlaceAsync("bob", ShopClient.Order(sku, 1)));
        var declined = await _shop.FinalAsync("bob", await _shop.PlaceAsync("bob", ShopClient.Order(sku, 1)));
        Assert.Equal(("Confirmed", "Cancelled", "PaymentDeclined"), (confirmed.Status, declined.Status, declined.CancellationReason));

        // Then (counted just after each final event is stored) every counter moved by exactly its share
        (string Metric, string Labels, double By)[] expected =
        [
            ("saga_started_total", "saga=\"OrderSaga\"", 2),
            ("saga_confirmed_total", "", 1),
            ("saga_cancelled_total", "reason=\"PaymentDeclined\"", 1),
            ("saga_compensations_total", "step=\"ReleaseStock\"", 1), // nothing was charged, so nothing refunded
            ("saga_compensations_total", "", 1),
            ("saga_duration_seconds_count", "outcome=\"Confirmed\"", 1),
            ("saga_duration_seconds_count", "outcome=\"Cancelled\"", 1),
        ];
        string after = "";
        double Moved(string metric, string labels) => Sum(after, metric, labels) - Sum(before, metric, labels);
        await Poll.UntilAsync(async () =>
        {
            after = await ScrapeAsync();
            return expected.All(e => Moved(e.Metric, e.Labels) >= e.By);
        }, "the saga's counters did not move");
        Assert.All(expected, e => Assert.Equal((e.Metric, e.Labels, e.By), (e.Metric, e.Labels, Moved(e.Metric, e.Labels))));

        // And the gauges are there, with a reading each
        Assert.True(Sum(after, "order_history_projection_lag_milliseconds", "") >= 0);
        Assert.Contains("\nbus_dead_letters{", after, StringComparison.Ordinal);
        Assert.Equal(0, Sum(after, "web_bff_circuit_state", "service=\"payments\"")); // closed
        Assert.Contains("\nsaga_duration_seconds_bucket{", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AreForAdmins()
    {
        using var customer = await _shop.SendAsync(HttpMethod.Get, "ops/metrics", "alice");
        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
    }

    private async Task<bool> NoSagaInFlightAsync()
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, "ops/status", "admin");
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        return status.GetProperty("sagas") is { ValueKind: JsonValueKind.Object } sagas && sagas.GetProperty("Pending").GetInt32() == 0;
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, "ops/metrics", "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return "\n" + await response.Content.ReadAsStringAsync();
    }

    /// <summary>The sum of <paramref name="metric"/>'s samples whose labels include <paramref name="labels"/> (0 when none).</summary>
    private static double Sum(string text, string metric, string labels) =>
        Sample().Matches(text)
            .Where(m => m.Groups["name"].Value == metric && m.Groups["labels"].Value.Contains(labels, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
