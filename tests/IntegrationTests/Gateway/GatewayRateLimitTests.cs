using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Serverless.AppHost;
using Serverless.AppHost.Gateway;
using Serverless.AppHost.LocalFunctions;
using Serverless.IntegrationTests.Identity;

namespace Serverless.IntegrationTests.Gateway;

/// <summary>
/// Every call counts against its caller's window whatever its auth outcome: failed sign-ins and calls with a
/// missing or forged token count against the client address, so floods of them get 429, not 401, and a caller
/// with a valid token (its own window) is not affected. A gateway of the test's own, with a small, short window.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class GatewayRateLimitTests(ServicesFixture services) : IAsyncLifetime
{
    private const int Permits = 5;
    private const int WindowSeconds = 5;

    private Microsoft.AspNetCore.Builder.WebApplication? _gateway;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort();
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(services.Configuration)
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Gateway:RateLimitPermits"] = Permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Gateway:RateLimitWindowSeconds"] = WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            })
            .Build();
        string[] routed = [ServicesFixture.Identity, ServicesFixture.Inventory];
        _gateway = GatewayApp.Build(configuration, port, routed, LocalSystem.ConfigureLogging,
            new FaultSwitchboard(routed), Path.Combine(services.DataDirectory, "gateway-ratelimit-settings.json"));
        await _gateway.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task FailedSignIns_CountAgainstTheClientAddress_ThenEvenTheRightPasswordGets429_UntilTheWindowPasses()
    {
        var bob = await services.TokenAsync("bob"); // straight from identity, before the flood

        for (var i = 0; i < Permits; i++)
        {
            using var failed = await SignIn("alice", "wrong-password");
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using (var over = await SignIn("alice", "wrong-password"))
        {
            await AssertTooManyRequests(over);
        }

        // Over the limit nothing changes: the right password issues no token either
        using (var right = await SignIn("alice", "alice-password"))
        {
            await AssertTooManyRequests(right);
        }

        // A caller with a valid token has its own window
        using (var other = await Get("api/inventory/no-such-sku", bob))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        // Once the window passes, the right password gets its token
        var deadline = DateTime.UtcNow.AddSeconds(WindowSeconds + 10);
        HttpStatusCode status;
        do
        {
            using var again = await SignIn("alice", "alice-password");
            status = again.StatusCode;
            if (status == HttpStatusCode.OK)
            {
                Assert.False(string.IsNullOrEmpty((await again.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString()));
                break;
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            await Task.Delay(100); // polling, not waiting out the window
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task MissingOrForgedTokens_CountAgainstTheClientAddress_429NotAn401_OtherCallersUnaffected()
    {
        var bob = await services.TokenAsync("bob");
        var forged = Jwt.Sign(Jwt.NewKey("not-the-real-kid"), "bob", "admin", expires: DateTime.UtcNow.AddHours(1)); // names bob: must not spend bob's allowance

        for (var i = 0; i < Permits; i++)
        {
            using var refused = i % 2 == 0 ? await _http.GetAsync("api/inventory/no-such-sku") : await Get("api/inventory/no-such-sku", forged);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var absent = await _http.GetAsync("api/inventory/no-such-sku"))
        {
            await AssertTooManyRequests(absent);
        }

        using (var forgedAgain = await Get("api/inventory/no-such-sku", forged))
        {
            await AssertTooManyRequests(forgedAgain);
        }

        using (var garbage = await Get("api/inventory/no-such-sku", "not.a.jwt"))
        {
            await AssertTooManyRequests(garbage);
        }

        // Bob (the subject the forged token names) still has his whole allowance
        for (var i = 0; i < Permits; i++)
        {
            using var genuine = await Get("api/inventory/no-such-sku", bob);
            Assert.Equal(HttpStatusCode.NotFound, genuine.StatusCode);
        }
    }

    private static async Task AssertTooManyRequests(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var retryAfter = int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, WindowSeconds);
        Assert.DoesNotContain("accessToken", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> SignIn(string username, string password) =>
        _http.PostAsJsonAsync("auth/token", new { username, password });

    private async Task<HttpResponseMessage> Get(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
