using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Serverless.AppHost;
using Serverless.AppHost.Gateway;
using Serverless.AppHost.LocalFunctions;

namespace Serverless.IntegrationTests.Gateway;

/// <summary>
/// <c>infra/apim/openapi.json</c> is a valid OpenAPI 3.0 document and names exactly the operations
/// the gateway serves: the Function Apps' HTTP triggers (found by reflection, as the AppHost finds
/// them) that the gateway forwards, and the gateway's own endpoints.
/// </summary>
public sealed partial class ApiDocumentTests
{
    /// <summary>
    /// The saga's participant calls: the orders service (and the web BFF, for reads) calls them on
    /// the apps directly with a scoped service token. Not public, so neither gateway forwards them.
    /// </summary>
    private static readonly string[] ServiceToServiceOnly = ["/api/inventory/reservations", "/api/payments/charges", "/api/shipping/shipments"];

    /// <summary>The document's own endpoints: served next to the API, not part of it.</summary>
    private static readonly string[] DocumentEndpoints = [ApiDocument.Path, ApiDocument.DocsPath];

    private static readonly string DocumentFile = Path.Combine(RepoRoot(), "infra", "apim", "openapi.json");

    [Fact]
    public void Document_IsValidOpenApi30_WithoutErrorsOrWarnings()
    {
        var (document, diagnostic) = Read();

        Assert.Equal(OpenApiSpecVersion.OpenApi3_0, diagnostic.SpecificationVersion);
        Assert.Empty(diagnostic.Errors);
        Assert.Empty(diagnostic.Warnings);
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public void EmbeddedDocument_IsTheFileApiManagementImports()
    {
        Assert.Equal(File.ReadAllText(DocumentFile), ApiDocument.Embedded.Json);
    }

    [Fact]
    public void EveryOperation_HasAnIdProblemDetailsAndTheGatewaysResponses()
    {
        var (document, _) = Read();
        var operations = Operations(document).ToList();

        Assert.Equal(operations.Count, operations.Select(o => o.Operation.OperationId).Distinct().Count());
        Assert.Equal(SecuritySchemeType.Http, document.Components!.SecuritySchemes!["bearer"].Type);
        foreach (var (path, method, operation) in operations)
        {
            var name = $"{method} {path}";
            Assert.False(string.IsNullOrEmpty(operation.OperationId), name);
            Assert.True(operation.Responses!.ContainsKey("429"), $"{name}: every call is rate limited");
            var anonymous = operation.Security is { Count: 0 };
            Assert.True(anonymous == (path.StartsWith("/auth/", StringComparison.Ordinal) || path == "/health" || IsWebUi(path)), $"{name}: only identity, health and the web UI's files are anonymous");
            Assert.True(anonymous || operation.Responses.ContainsKey("401"), $"{name}: 401 without a valid token");
            Assert.True(operation.RequestBody is null || operation.Responses.ContainsKey("413"), $"{name}: 413 over 64 KiB");
            foreach (var (status, response) in operation.Responses.Where(r => r.Key[0] is '4' or '5' && r.Key != "503" || r.Key == "503" && path != "/health"))
            {
                Assert.True(response.Content?.ContainsKey("application/problem+json") == true, $"{name} {status}: RFC 9457 problem details");
            }
        }
    }

    [Theory]
    [InlineData("/api/inventory")]
    [InlineData("/api/orders")]
    [InlineData("/api/orders/{orderId}/events")]
    [InlineData("/api/order-history")]
    [InlineData("/api/notifications")]
    [InlineData("/bff/mobile/orders")]
    public void PagedLists_TakeLimit_AndAnswerWithALinkToTheNextPage(string path)
    {
        var (document, _) = Read();
        var list = document.Paths[path].Operations![HttpMethod.Get];

        var limit = Assert.Single(list.Parameters!, p => p.Name == "limit");
        Assert.Equal(ParameterLocation.Query, limit.In);
        Assert.Equal("1", limit.Schema!.Minimum);
        Assert.Equal("500", limit.Schema.Maximum);
        var cursor = Assert.Single(list.Parameters!, p => p.Name == "cursor"); // what the Link URLs carry
        Assert.Equal(ParameterLocation.Query, cursor.In);
        Assert.True(list.Responses!["200"].Headers!.ContainsKey("Link"));
    }

    [Fact]
    public void Document_NamesExactlyTheRoutesTheGatewayServes()
    {
        var documented = Operations(Read().Document).Select(o => Key(o.Method.Method, o.Path)).ToHashSet();
        var served = ServedThroughTheGateway();

        Assert.Empty(served.Except(documented)); // served, but missing from the document
        Assert.Empty(documented.Except(served)); // documented, but nobody serves it
    }

    [Fact]
    public void Gateway_ForwardsEveryDocumentedServiceRoute_AndNoParticipantCall()
    {
        var forwarded = GatewayApp.ProxyRoutes(ApiDocument.Embedded, FunctionAppDefinition.All.Select(a => a.Name).ToList())
            .SelectMany(r => r.Match.Methods!.Select(m => Key(m, r.Match.Path!))).ToHashSet();
        var functions = FunctionRoutes().ToList();

        Assert.Equal(functions.Where(f => !IsServiceToService(f.Path)).Select(f => Key(f.Method, f.Path)).ToHashSet(), forwarded);
        Assert.Contains(functions, f => IsServiceToService(f.Path));
    }

    /// <summary>The real route table: each app's HTTP triggers under the prefixes the gateway gives that app, and the gateway's own endpoints.</summary>
    private static HashSet<string> ServedThroughTheGateway()
    {
        var forwarded = FunctionRoutes().Where(f => !IsServiceToService(f.Path)).Select(f => Key(f.Method, f.Path));
        return [.. forwarded, .. GatewayEndpoints()];
    }

    private static IEnumerable<(string Method, string Path)> FunctionRoutes() =>
        FunctionAppDefinition.All.SelectMany(app => FunctionCatalog.Discover(app.Assembly).Http
            .Select(f => (Path: "/" + f.Route.TrimStart('/'), f.HttpMethods))
            .Where(f => GatewayApp.BackendOf(f.Path) == app.Name)
            .SelectMany(f => f.HttpMethods.Select(m => (m, f.Path))));

    /// <summary>What the gateway maps itself (not forwarded), read from a gateway built as the AppHost builds it.</summary>
    private static IEnumerable<string> GatewayEndpoints()
    {
        var services = FunctionAppDefinition.All.Select(a => a.Name).ToList();
        var settings = Path.Combine(Path.GetTempPath(), $"gateway-{Guid.NewGuid():N}.json");
        var gateway = GatewayApp.Build(new ConfigurationBuilder().Build(), 0, services, LocalSystem.ConfigureLogging, new FaultSwitchboard(services), settings);
        var endpoints = ((IEndpointRouteBuilder)gateway).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>() is null && e.RoutePattern.RawText is { } raw && !raw.Contains("{*", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(endpoints);
        return endpoints
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]))
            .Where(e => !DocumentEndpoints.Any(d => e.Path.StartsWith(d, StringComparison.Ordinal)))
            .SelectMany(e => e.Methods.Select(m => Key(m, e.Path)));
    }

    /// <summary>The shell's page and the fragments' files: the page signs in, so fetching it needs no token.</summary>
    private static bool IsWebUi(string path) => path == "/" || path.StartsWith("/web/", StringComparison.Ordinal);

    private static bool IsServiceToService(string path) => ServiceToServiceOnly.Any(p => path.StartsWith(p, StringComparison.Ordinal));

    /// <summary>Method and path template, with parameter names dropped (<c>{orderId}</c> and <c>{id}</c> are the same route).</summary>
    private static string Key(string method, string path) => $"{method.ToUpperInvariant()} {Parameter().Replace(path, "{}")}";

    private static (OpenApiDocument Document, OpenApiDiagnostic Diagnostic) Read()
    {
        var result = OpenApiDocument.Parse(File.ReadAllText(DocumentFile), OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.NotNull(result.Document);
        return (result.Document, result.Diagnostic!);
    }

    private static IEnumerable<(string Path, HttpMethod Method, OpenApiOperation Operation)> Operations(OpenApiDocument document) =>
        document.Paths.SelectMany(p => p.Value.Operations!.Select(o => (p.Key, o.Key, o.Value)));

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Serverless.sln not found above the test output.");
    }
}
