using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.EndToEndTests;

/// <summary>
/// Service discovery: services are addressed by logical name and resolved from the config store at
/// run time, by the gateway's routes and by the services' own clients alike.
/// </summary>
[Collection("system")]
public sealed class ServiceDiscoveryTests(SystemFixture system)
{
    private const string PaymentsInstance = "Services:payments:http:0";
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task MovingPayments_IsAConfigChange_FollowedByGatewayAndServices_WithoutRestart()
    {
        var orderId = await _shop.ConfirmedOrderAsync("alice", "moved");
        var nowhere = AppHostProcess.FreePorts(1)[0]; // nothing listens there

        // When the config store says payments lives elsewhere
        await _shop.SetConfigAsync(PaymentsInstance, $"http://127.0.0.1:{nowhere}/");
        try
        {
            // Then the gateway routes there (and says so as problem details), and the web BFF's client does too
            await Until(async () =>
            {
                using var response = await _shop.SendAsync(HttpMethod.Get, "api/payments/accounts/alice", "alice");
                return response.StatusCode == HttpStatusCode.BadGateway
                       && response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            });
            await Until(async () => Degraded(await Page(orderId)).Contains("payments"));
        }
        finally
        {
            // When it says payments is back where it runs
            await _shop.SetConfigAsync(PaymentsInstance, $"http://127.0.0.1:{system.Host.PaymentsPort}/");
        }

        // Then both find it again
        await Until(async () =>
        {
            using var response = await _shop.SendAsync(HttpMethod.Get, "api/payments/accounts/alice", "alice");
            return response.StatusCode == HttpStatusCode.OK;
        });
        await Until(async () => Degraded(await Page(orderId)).Count == 0);
        Assert.Equal("Charged", (await Page(orderId)).GetProperty("payment").GetProperty("status").GetString());
    }

    private Task<JsonElement> Page(string orderId) => _shop.WebOrderPageAsync("alice", orderId);

    private static List<string?> Degraded(JsonElement page) => [.. page.GetProperty("degraded").EnumerateArray().Select(d => d.GetString())];

    private static Task Until(Func<Task<bool>> condition) => Poll.UntilAsync(condition, "The change was not followed in time.");
}
