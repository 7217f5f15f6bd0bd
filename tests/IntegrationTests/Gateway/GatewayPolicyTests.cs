using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Serverless.AppHost;
using Serverless.AppHost.Gateway;
using Serverless.AppHost.LocalFunctions;
using Serverless.IntegrationTests.Identity;

namespace Serverless.IntegrationTests.Gateway;

/// <summary>The gateway's own policies, with a gateway of the test's own in front of the real services.</summary>
[Collection(ServicesCollection.Name)]
public sealed class GatewayPolicyTests(ServicesFixture services) : IAsyncLifetime
{
    private Microsoft.AspNetCore.Builder.WebApplication? _gateway;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort();
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(services.Configuration)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:RateLimitPermits"] = "5", ["Gateway:RateLimitWindowSeconds"] = "60" })
            .Build();
        string[] routed = [ServicesFixture.Identity, ServicesFixture.Inventory, ServicesFixture.Payments, ServicesFixture.Shipping];
        _gateway = GatewayApp.Build(configuration, port, routed, LocalSystem.ConfigureLogging,
            new FaultSwitchboard(routed), Path.Combine(services.DataDirectory, "gateway-settings.json"));
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
    public async Task OverTheRate_Is429WithRetryAfter_PerCaller()
    {
        var token = await services.TokenAsync("bob");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await Get("api/inventory/no-such-sku", token);
            statuses.Add(response.StatusCode);
            if (i == 5)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
            }
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.NotFound, 5).Append(HttpStatusCode.TooManyRequests), statuses);

        // Another caller has its own allowance
        using var other = await Get("api/inventory/no-such-sku", await services.TokenAsync("alice"));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    public static TheoryData<string> Attacks => ["alg-none", "other-key", "expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "tampered", "garbage"];

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task ForgedOrInvalidToken_IsRejectedByTheGatewayItself_401(string attack)
    {
        var kid = await RealKid();
        var real = Jwt.RealKey(services, kid);
        var now = DateTime.UtcNow;
        var token = attack switch
        {
            "alg-none" => Jwt.Unsigned("admin", "admin"),
            "other-key" => Jwt.Sign(Jwt.NewKey(kid), "admin", "admin", expires: now.AddHours(1)),
            "expired" => Jwt.Sign(real, "admin", "admin", notBefore: now.AddHours(-2), expires: now.AddHours(-1)),
            "not-yet-valid" => Jwt.Sign(real, "admin", "admin", notBefore: now.AddHours(1), expires: now.AddHours(2)),
            "wrong-issuer" => Jwt.Sign(real, "admin", "admin", issuer: "someone-else", expires: now.AddHours(1)),
            "wrong-audience" => Jwt.Sign(real, "admin", "admin", audience: "another-api", expires: now.AddHours(1)),
            "tampered" => Tamper(await services.TokenAsync("alice")),
            _ => "not.a.jwt",
        };

        using var response = await Get("api/inventory/no-such-sku", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("A valid bearer token is required.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal); // the gateway's own words

        // The same request with a genuine token gets through to inventory (which answers 404 for the unknown SKU)
        using var genuine = await Get("api/inventory/no-such-sku", Jwt.Sign(real, "admin", "admin", expires: now.AddHours(1)));
        Assert.Equal(HttpStatusCode.NotFound, genuine.StatusCode);
    }

    [Fact]
    public async Task RequestMetrics_CountRequestsErrorsAndLatency_PerRoute_ForAdminsOnly()
    {
        const string inventory = "/api/inventory/{sku}", payments = "/api/payments/accounts/{customerId}";
        var admin = await services.TokenAsync("admin");
        var bob = await services.TokenAsync("bob");
        var before = await Scrape(admin);

        // Given three forwarded requests (404 from inventory) and one the gateway rejects itself (401)
        for (var i = 0; i < 3; i++)
        {
            using var notFound = await Get("api/inventory/no-such-sku", bob);
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        }

        using (var anonymous = await _http.GetAsync("api/payments/accounts/bob"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        // Then each is counted under its route and status, with its duration
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var after = await Scrape(admin);
        while (Series(after, "count", inventory, 404) - Series(before, "count", inventory, 404) < 3 && DateTime.UtcNow < deadline)
        {
            after = await Scrape(admin);
        }

        Assert.Equal(3, Series(after, "count", inventory, 404) - Series(before, "count", inventory, 404));
        Assert.Equal(1, Series(after, "count", payments, 401) - Series(before, "count", payments, 401));
        Assert.True(Series(after, "sum", inventory, 404) > Series(before, "sum", inventory, 404), "no latency was recorded");
        Assert.Contains("gateway_request_duration_seconds_bucket{", after, StringComparison.Ordinal);

        // And the metrics are for admins
        using var customer = await Get("ops/metrics", bob);
        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
        Assert.Equal("application/problem+json", customer.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CorrelationId_IsEchoed_AndPassedOn()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "health");
        request.Headers.Add("x-correlation-id", "abc-123");
        using var response = await _http.SendAsync(request);

        Assert.Equal("abc-123", response.Headers.GetValues("x-correlation-id").Single());
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Is413Problem_NotABadGateway()
    {
        // Given a 70 KiB body sent chunked: no Content-Length for the gateway to refuse up front
        var body = new byte[70 * 1024];
        Array.Fill(body, (byte)'a');
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/inventory/chunked-sku") { Content = new ChunkedContent(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await services.TokenAsync("admin"));

        // When it is forwarded to inventory and the limit trips while streaming
        using var response = await _http.SendAsync(request);

        // Then the client is told its body is too large (it was a 502 "bad gateway", as if inventory had failed)
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Metrics_AnswerGetOnly_OtherMethodsAre405()
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, "ops/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await services.TokenAsync("admin"));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A body without Content-Length (sent chunked).</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < bytes.Length; offset += 4096)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(4096, bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    private async Task<HttpResponseMessage> Get(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    private async Task<string> Scrape(string adminToken)
    {
        using var response = await Get("ops/metrics", adminToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of one series of the gateway's duration histogram in a Prometheus scrape; 0 when absent.</summary>
    private static double Series(string scrape, string part, string route, int status)
    {
        var line = scrape.Split('\n').FirstOrDefault(l => l.StartsWith($"gateway_request_duration_seconds_{part}{{", StringComparison.Ordinal)
                                                          && l.Contains($"http_route=\"{route}\"", StringComparison.Ordinal)
                                                          && l.Contains($"http_response_status_code=\"{status}\"", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<string> RealKid()
    {
        using var http = new HttpClient { BaseAddress = services.AddressOf(ServicesFixture.Identity) };
        var jwks = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(http, "auth/jwks");
        return jwks.GetProperty("keys")[0].GetProperty("kid").GetString()!;
    }

    /// <summary>Changes the role in the payload and keeps the original signature.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]))
            .Replace("\"customer\"", "\"admin\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
