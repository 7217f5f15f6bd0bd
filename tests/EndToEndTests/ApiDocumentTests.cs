using System.Net;

namespace Serverless.EndToEndTests;

/// <summary>The running gateway serves the API document API Management imports, its docs page, and routes only what it names.</summary>
[Collection("system")]
public sealed class ApiDocumentTests(SystemFixture system)
{
    private readonly ShopClient _shop = system.Shop;

    [Fact]
    public async Task OpenApiJson_IsTheDocumentInTheRepo()
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, "openapi.json", user: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var expected = await File.ReadAllTextAsync(Path.Combine(AppHostProcess.RepoRoot(), "infra", "apim", "openapi.json"));
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DocsPage_IsHtmlPointingAtTheDocument()
    {
        using var response = await _shop.SendAsync(HttpMethod.Get, "docs", user: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        // Scalar resolves the source against the application's root: /openapi.json
        Assert.Contains("\"url\":\"openapi.json\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // and serves its script itself (no CDN): the page works offline
        using var script = await _shop.SendAsync(HttpMethod.Get, "docs/scalar.js", user: null);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task ParticipantCall_IsNotForwarded_EvenForAnAdmin()
    {
        // Given a route the payments app serves, but only to the saga, service to service
        // When an admin calls it through the gateway
        using var response = await _shop.SendAsync(HttpMethod.Post, "api/payments/charges", "admin", new { orderId = "o-1", customerId = "alice", amount = 1m });

        // Then the gateway has no such route
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
