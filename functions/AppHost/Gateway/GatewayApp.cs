using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Http;
using OpenTelemetry.Metrics;
using Serverless.AppHost.Telemetry;
using Serverless.BuildingBlocks.Telemetry;
using Yarp.ReverseProxy.Configuration;
using Serverless.BuildingBlocks.Messaging;
using Scalar.AspNetCore;

namespace Serverless.AppHost.Gateway;

public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    public int RateLimitPermits { get; set; } = 300;
    public int RateLimitWindowSeconds { get; set; } = 10;
}

/// <summary>
/// The local gateway (API Management's stand-in): one entry point on <c>GATEWAY_PORT</c>, routing
/// the public API to the services by logical name, with the same policies: correlation id, body
/// limit, JWT validation, per-caller rate limit, RFC 9457 errors for what it rejects.
/// </summary>
public static partial class GatewayApp
{
    public const string CorrelationHeader = "x-correlation-id";

    /// <summary>
    /// The policies this gateway applies. API Management applies the same ones from
    /// <c>infra/apim/api-policy.xml</c>; a test checks that each has its counterpart there.
    /// </summary>
    public static readonly string[] Policies = ["correlation-id", "trace-context", "body-limit", "jwt-validation", "rate-limit", "problem-details", "request-metrics"];
    private const string CallerItem = "gateway.caller";

    /// <summary>
    /// Which service owns each path prefix. The gateway forwards only the operations of the API
    /// document (<see cref="ApiDocument"/>), as API Management does: the saga's participant calls
    /// (reservations, charges, shipments) are service to service, never through the gateway.
    /// </summary>
    public static readonly (string Prefix, string Service)[] Backends =
    [
        ("/auth", "identity"),
        ("/api/inventory", "inventory"),
        ("/api/payments", "payments"),
        ("/api/shipping", "shipping"),
        ("/api/orders", "orders"),
        ("/api/order-history", "order-history"),
        ("/api/notifications", "notifications"),
        ("/bff/web", "web-bff"),
        ("/bff/mobile", "mobile-bff"),
        // The web UI: each service serves its own fragment; the web BFF the shell (at "/", see BackendOf).
        ("/web/inventory", "inventory"),
        ("/web/payments", "payments"),
        ("/web/orders", "orders"),
        ("/web/order-history", "order-history"),
        ("/web/notifications", "notifications"),
        ("/web/web-bff", "web-bff"),
    ];

    /// <summary>The service that serves <paramref name="path"/>, or null when the gateway serves it itself.
    /// The shell's page is "/" exactly: no prefix, so it swallows nothing else (nor the 404 fallback).</summary>
    public static string? BackendOf(string path) => path == "/"
        ? "web-bff"
        : Backends.FirstOrDefault(b => new PathString(path).StartsWithSegments(b.Prefix)).Service;

    /// <summary>The document's operations that the gateway forwards, one proxy route per path, to the services that run here.</summary>
    public static IReadOnlyList<RouteConfig> ProxyRoutes(ApiDocument api, IReadOnlyCollection<string> services) =>
        api.Operations
            .GroupBy(op => op.Path, op => op.Method)
            .Select(path => (Path: path.Key, Methods: path.ToList(), Service: BackendOf(path.Key)))
            .Where(route => route.Service is not null && services.Contains(route.Service))
            .Select((route, i) => new RouteConfig
            {
                RouteId = $"route{i}",
                ClusterId = route.Service,
                Match = new RouteMatch { Path = route.Path, Methods = route.Methods },
            })
            .ToList();

    public static WebApplication Build(IConfiguration configuration, int port, IReadOnlyList<string> services, Action<ILoggingBuilder> logging,
        LocalFunctions.FaultSwitchboard faults, string settingsFile, SpanStore? spans = null, LogStore? logs = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Gateway", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<IHostLifetime, ManagedLifetime>();
        logging(builder.Logging);

        builder.Services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section));
        builder.Services.AddServiceRegistry();
        builder.Services.AddHttpClient(JwksSigningKeySource.Client);
        builder.Services.AddSingleton<ISigningKeySource, JwksSigningKeySource>();
        builder.Services.AddSingleton<TokenValidator>();
        builder.Services.AddHttpClient("health", c => c.Timeout = TimeSpan.FromSeconds(3));
        builder.Services.AddBus(configuration);

        builder.Services.AddSingleton(spans ?? new SpanStore());
        builder.Services.AddSingleton(logs ?? new LogStore());
        builder.Services.AddSingleton<GatewayMetrics>();
        // Ours too: every app runs in this process, so the business metrics they record (and their gauges) show on /ops/metrics.
        builder.Services.AddDeadLetterGauge();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(GatewayMetrics.MeterName, Tracing.Source.Name)
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        // Stands in for API Management, whose requests Application Insights shows in Azure: opt-in here, like the apps.
        builder.Services.AddApplicationInsights(configuration, "gateway", owns: span => SpanOwners.AppOf(span) == "gateway");

        var options = configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        builder.Services.AddRateLimiter(r =>
        {
            r.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetFixedWindowLimiter(CallerKey(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RateLimitPermits,
                    Window = TimeSpan.FromSeconds(options.RateLimitWindowSeconds),
                    QueueLimit = 0,
                }));
            r.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : options.RateLimitWindowSeconds;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await WriteProblem(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests", $"Over {options.RateLimitPermits} requests per {options.RateLimitWindowSeconds} s; retry after {retryAfter} s.");
            };
        });

        builder.Services.AddReverseProxy().LoadFromMemory(
            ProxyRoutes(ApiDocument.Embedded, services),
            services.Select(name => new ClusterConfig
            {
                ClusterId = name,
                // A logical name: service discovery resolves it to the instances in configuration, and follows changes.
                Destinations = new Dictionary<string, DestinationConfig> { [name] = new() { Address = ServiceDefaults.ServiceAddress(name).ToString() } },
                HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(30) },
            }).ToList())
            .AddServiceDiscoveryDestinationResolver();

        var app = builder.Build();
        app.Use(app.Services.GetRequiredService<GatewayMetrics>().Record);
        app.Use(CorrelationId);
        app.Use(BodyLimit);
        // Who the caller is, then its rate, then the 401: every request counts against its caller's window whatever
        // its auth outcome (a missing, forged or expired token counts against the client address, as sign-ins do).
        app.Use(Identify);
        app.UseRateLimiter();
        app.Use(RequireCaller);
        app.MapGet("/health", (HttpContext context, IHttpClientFactory clients) => Health(context, clients, services));
        app.MapGet(ApiDocument.Path, () => Results.Text(ApiDocument.Embedded.Json, "application/json"));
        app.MapScalarApiReference(ApiDocument.DocsPath, docs => docs.WithTitle("Serverless shop API").WithOpenApiRoutePattern(ApiDocument.Path));
        LocalOperations.Map(MapOperations(app, services), faults, settingsFile);
        app.MapReverseProxy(proxy => proxy.Use(ForwardingProblems));
        // "{*path}", not the default "{*path:nonfile}": a path that looks like a file (/x.js) gets the problem too.
        app.MapFallback("{*path}", context => WriteProblem(context, StatusCodes.Status404NotFound, "Not found", $"No route for {context.Request.Path}."));
        return app;
    }

    /// <summary>
    /// Accepts the caller's correlation id or makes one, echoes it on the response and passes it on; names it the
    /// correlation id of everything logged in this request's trace, and logs the request's outcome (the access log).
    /// </summary>
    private static async Task CorrelationId(HttpContext context, RequestDelegate next)
    {
        // The gateway's own span; the response names the trace, so a client can look it up in /ops/traces.
        Tracing.MarkService("gateway");
        if (Activity.Current is { } span)
        {
            span.DisplayName = $"{context.Request.Method} {context.Request.Path}"; // what /ops/traces lists the trace as
            context.Response.Headers["traceparent"] = span.Id;
        }

        var traceId = Activity.Current?.TraceId.ToHexString();

        var id = context.Request.Headers[CorrelationHeader].ToString();
        if (string.IsNullOrWhiteSpace(id) || id.Length > 128)
        {
            id = Activity.Current?.TraceId.ToString() ?? Guid.NewGuid().ToString("N");
            context.Request.Headers[CorrelationHeader] = id;
        }

        context.Response.Headers[CorrelationHeader] = id;
        if (traceId is not null)
        {
            context.RequestServices.GetRequiredService<LogStore>().Correlate(traceId, id);
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(RequestLogCategory);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id });
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            // The path only: a query string may carry what must not be logged.
            logger.LogInformation("{Method} {Path} answered {Status} in {ElapsedMs:F1} ms", context.Request.Method, context.Request.Path.Value,
                context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>The gateway's access log: every request's outcome, kept in the log store (the console shows only warnings of it).</summary>
    public const string RequestLogCategory = "Gateway.Requests";

    private static Task BodyLimit(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > JsonBody.MaxBytes)
        {
            return WriteProblem(context, StatusCodes.Status413PayloadTooLarge, "Payload too large", $"Request bodies are limited to {JsonBody.MaxBytes / 1024} KiB.");
        }

        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = JsonBody.MaxBytes;
        }

        return next(context);
    }

    private static bool RequiresToken(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/ops") || path.StartsWithSegments("/bff");

    /// <summary>
    /// JWT validation at the edge for every <c>/api</c>, <c>/bff</c> and <c>/ops</c> route (the services validate again):
    /// a valid token makes the caller its subject. Refuses nothing itself: the rate limiter runs next, so calls
    /// without a valid token are limited too, by client address; <see cref="RequireCaller"/> then answers 401.
    /// </summary>
    private static async Task Identify(HttpContext context, RequestDelegate next)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (RequiresToken(context.Request.Path) && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var check = await context.RequestServices.GetRequiredService<TokenValidator>().CheckAsync(header["Bearer ".Length..].Trim(), context.RequestAborted);
            if (check.Caller is { } caller)
            {
                context.Items[CallerItem] = caller;
            }
            else if (check.KeysUnavailable)
            {
                context.Items[KeysUnavailableItem] = true;
            }
        }

        await next(context);
    }

    /// <summary>401 for a route that needs a token when the caller has none that is valid (after the rate limiter counted the call).</summary>
    private static Task RequireCaller(HttpContext context, RequestDelegate next)
    {
        if (!RequiresToken(context.Request.Path) || context.Items[CallerItem] is Caller)
        {
            return next(context);
        }

        // A token that could not be checked (no signing keys: identity unreachable) is not the caller's fault: 503, retry.
        if (context.Items.ContainsKey(KeysUnavailableItem))
        {
            context.Response.Headers.RetryAfter = "5";
            return WriteProblem(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable", TokenValidator.KeysUnavailableDetail);
        }

        return WriteProblem(context, StatusCodes.Status401Unauthorized, "Unauthorized", "A valid bearer token is required.");
    }

    private const string KeysUnavailableItem = "gateway.keys-unavailable";

    /// <summary>Operations (admin only): the bus's dead letters, listed, replayed or purged.</summary>
    private static RouteGroupBuilder MapOperations(WebApplication app, IReadOnlyList<string> services)
    {
        var ops = app.MapGroup("/ops").AddEndpointFilter(async (context, next) =>
            IsAdmin(context.HttpContext)
                ? await next(context)
                : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Operations are for admins."));
        ops.MapGet("/status", (HttpContext context, IHttpClientFactory clients, [FromServices] IDeadLetters deadLetters) => Status(context, clients, deadLetters, services));
        app.MapPrometheusScrapingEndpoint("/ops/metrics", meterProvider: null, configureBranchedPipeline: AdminOnly, optionsName: null);
        ops.MapGet("/traces/{traceId}", (string traceId, SpanStore recorded) =>
            TraceId().IsMatch(traceId) && traceId != new string('0', 32)
                ? Results.Ok(recorded.Trace(ActivityTraceId.CreateFromString(traceId.ToLowerInvariant())))
                : Results.ValidationProblem(new Dictionary<string, string[]> { ["traceId"] = ["A W3C trace id is 32 hex characters, not all zero."] }));
        ops.MapGet("/traces", (int? limit, SpanStore recorded) => limit is null or (>= 1 and <= 200)
            ? Results.Ok(recorded.Recent(limit ?? 20))
            : Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is 1 to 200."] }));
        ops.MapGet("/logs", (HttpRequest request, LogStore logs) => Logs(request, logs));
        ops.MapGet("/dead-letters", async ([FromServices] IDeadLetters deadLetters, CancellationToken ct) => Results.Ok(await deadLetters.ListAsync(ct)));
        ops.MapPost("/dead-letters/replay", async ([FromServices] IDeadLetters deadLetters, CancellationToken ct) => Results.Ok(new { replayed = await deadLetters.ReplayAsync(ct) }));
        ops.MapDelete("/dead-letters", async ([FromServices] IDeadLetters deadLetters, CancellationToken ct) => Results.Ok(new { purged = await deadLetters.PurgeAsync(ct) }));
        return ops;
    }

    /// <summary>
    /// <c>GET /ops/logs?correlationId=X|orderId=X|traceId=X</c>: the aggregated log lines that match every given
    /// filter (at least one), oldest first, paged like every list (<c>limit</c>, <c>Link: rel="next"</c>).
    /// </summary>
    private static IResult Logs(HttpRequest request, LogStore logs)
    {
        string? One(string name) => request.Query.TryGetValue(name, out var values) ? values.ToString() : null;
        var query = new LogQuery(One("correlationId"), One("orderId"), One("traceId")?.ToLowerInvariant());
        var errors = new Dictionary<string, string[]>();
        if (query is { CorrelationId: null, OrderId: null, TraceId: null })
        {
            errors["correlationId"] = ["Give correlationId, orderId or traceId."];
        }

        foreach (var (name, value) in new[] { ("correlationId", query.CorrelationId), ("orderId", query.OrderId) })
        {
            if (value is not null && (value.Length is 0 or > 128))
            {
                errors[name] = [$"{name} is 1 to 128 characters."];
            }
        }

        if (query.TraceId is not null && (!TraceId().IsMatch(query.TraceId) || query.TraceId == new string('0', 32)))
        {
            errors["traceId"] = ["A W3C trace id is 32 hex characters, not all zero."];
        }

        var after = 0L;
        if (!Paging.TryRead(request, out var page, out var pageProblem))
        {
            var problem = (ProblemDetails)((ObjectResult)pageProblem!).Value!;
            foreach (var (key, value) in (problem as ValidationProblemDetails)?.Errors ?? new Dictionary<string, string[]>())
            {
                errors[key] = value;
            }
        }
        else if (page.After is not null && (!long.TryParse(page.After, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out after) || after < 0))
        {
            errors[Paging.CursorParameter] = ["cursor is not one this list handed out: follow the Link header's URL."];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var (items, next) = logs.Query(query, after, page.Limit);
        if (next is { } position)
        {
            var link = QueryString.Create(request.Query
                .Where(q => q.Key != Paging.CursorParameter)
                .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
                .Append(new(Paging.CursorParameter, Paging.EncodeCursor(position.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
            request.HttpContext.Response.Headers.Link = $"<{request.PathBase}{request.Path}{link}>; rel=\"next\"";
        }

        return Results.Json(items, JsonBody.Options);
    }

    /// <summary>
    /// The ops view in one call: each service's health and circuit (as the web BFF's breaker for it
    /// sees it; "closed" where no breaker guards it), saga counts, dead letters and projection lag.
    /// Every part is read with the admin's own token; a part that cannot be read right now is null
    /// (a circuit "unknown"), never a made-up healthy value (API.md, Operations).
    /// </summary>
    private static async Task<IResult> Status(HttpContext context, IHttpClientFactory clients, IDeadLetters deadLetterStore, IReadOnlyList<string> services)
    {
        var http = clients.CreateClient("health");
        var token = context.Request.Headers.Authorization.ToString();
        async Task<JsonElement?> Get(string service, string path)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(ServiceDefaults.ServiceAddress(service), path));
                request.Headers.TryAddWithoutValidation("Authorization", token);
                using var response = await http.SendAsync(request, context.RequestAborted);
                return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(context.RequestAborted) : null;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                return null;
            }
        }

        var health = ProbeHealthAsync(http, services, context.RequestAborted);
        var circuits = Get("web-bff", "bff/web/circuits");
        var sagas = Get("orders", "api/orders/stats");
        var lag = Get("order-history", "api/order-history/lag");
        var deadLetters = deadLetterStore.CountAsync(context.RequestAborted);
        await Task.WhenAll(health, circuits, sagas, lag);
        int? dead;
        try
        {
            dead = await deadLetters;
        }
        catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            dead = null; // the bus is unreachable (or refuses): say so rather than fail the whole status
        }

        var circuitStates = await circuits;
        var counts = await sagas;
        Dictionary<string, int>? sagaCounts = counts is { ValueKind: JsonValueKind.Object } c
            ? new[] { "Pending", "Confirmed", "Cancelled" }.ToDictionary(
                status => status,
                status => c.TryGetProperty(status.ToLowerInvariant(), out var n) || c.TryGetProperty(status, out n) ? n.GetInt32() : 0)
            : null; // orders cannot be read: no counts rather than zeros
        string? Circuit(string service) => circuitStates switch
        {
            { ValueKind: JsonValueKind.Object } states => states.TryGetProperty(service, out var state) ? state.GetString() : "closed",
            _ => "unknown", // the web BFF cannot be read: its breakers' states are not known
        };
        return Results.Ok(new
        {
            services = (await health).ToDictionary(h => h.Key, h => new
            {
                healthy = h.Value,
                circuit = Circuit(h.Key),
            }),
            sagas = sagaCounts,
            deadLetters = dead,
            projectionLagMs = (await lag) is { ValueKind: JsonValueKind.Object } l && l.TryGetProperty("projectionLagMs", out var ms) && ms.ValueKind == JsonValueKind.Number
                ? ms.GetDouble()
                : (double?)null,
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-fA-F]{32}$")]
    private static partial System.Text.RegularExpressions.Regex TraceId();

    private static bool IsAdmin(HttpContext context) => context.Items[CallerItem] is Caller { IsAdmin: true };

    /// <summary>The same admin check as the /ops group, for the metrics endpoint (a middleware branch, not a route handler).</summary>
    private static void AdminOnly(IApplicationBuilder branch) => branch.Use(async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            // A branch answers every method; the API document has GET only (PATCH /ops/metrics is no scrape).
            context.Response.Headers.Allow = "GET";
            await WriteProblem(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed", $"{context.Request.Path} answers GET only.");
            return;
        }

        if (IsAdmin(context))
        {
            await next(context);
            return;
        }

        await WriteProblem(context, StatusCodes.Status403Forbidden, "Forbidden", "Operations are for admins.");
    });

    /// <summary>
    /// The rate limiter's partition: the subject of a valid token, else the client address: anonymous calls,
    /// sign-ins (<c>POST /auth/token</c>, successful or not) and calls with a missing, forged or expired token.
    /// Never an unverified claim: a forged token naming someone would otherwise spend that someone's allowance,
    /// and a new made-up subject per call would escape the limit.
    /// </summary>
    private static string CallerKey(HttpContext context) =>
        context.Items[CallerItem] is Caller caller ? "sub:" + caller.Subject : "ip:" + context.Connection.RemoteIpAddress;

    private static async Task Health(HttpContext context, IHttpClientFactory clients, IReadOnlyList<string> services)
    {
        var checks = await ProbeHealthAsync(clients.CreateClient("health"), services, context.RequestAborted);
        var healthy = checks.Values.All(h => h);
        context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        await context.Response.WriteAsJsonAsync(new
        {
            status = healthy ? "Healthy" : "Unhealthy",
            services = checks.ToDictionary(c => c.Key, c => c.Value ? "Healthy" : "Unhealthy"),
        });
    }

    /// <summary>Each service's own /health, in parallel: 200 means ready; no answer means not.</summary>
    private static async Task<Dictionary<string, bool>> ProbeHealthAsync(HttpClient http, IReadOnlyList<string> services, CancellationToken cancellationToken)
    {
        var checks = await Task.WhenAll(services.Select(async name =>
        {
            try
            {
                using var response = await http.GetAsync(new Uri(ServiceDefaults.ServiceAddress(name), "health"), cancellationToken);
                return (Key: name, Healthy: response.IsSuccessStatusCode);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return (Key: name, Healthy: false);
            }
        }));
        return checks.ToDictionary(c => c.Key, c => c.Healthy);
    }

    /// <summary>When the gateway cannot reach a service (unreachable, timed out), it answers with problem details too.</summary>
    private static async Task ForwardingProblems(HttpContext context, Func<Task> next)
    {
        await next();
        var error = context.GetForwarderErrorFeature();
        if (error is null || context.Response.HasStarted)
        {
            return;
        }

        // The client's request body could not be read: over the limit while streaming (a chunked body has no
        // Content-Length for BodyLimit to refuse up front) is 413, any other broken body 400; neither is the service's fault.
        if (error.Error is Yarp.ReverseProxy.Forwarder.ForwarderError.RequestBodyClient)
        {
            var tooLarge = BodyTooLarge(error.Exception);
            await WriteProblem(context, tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
                tooLarge ? "Payload too large" : "Bad request",
                tooLarge ? $"Request bodies are limited to {JsonBody.MaxBytes / 1024} KiB." : "The request body could not be read.");
            return;
        }

        var timedOut = error.Error is Yarp.ReverseProxy.Forwarder.ForwarderError.RequestTimedOut;
        var service = context.GetReverseProxyFeature().Cluster.Config.ClusterId;
        await WriteProblem(context, timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
            timedOut ? "Gateway timeout" : "Bad gateway", $"The {service} service did not answer ({error.Error}).");
    }

    /// <summary>Whether <paramref name="exception"/> (or one it wraps) is Kestrel refusing a body over <c>MaxRequestBodySize</c>.</summary>
    internal static bool BodyTooLarge(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return true;
            }
        }

        return false;
    }

    private static Task WriteProblem(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new ProblemDetails { Status = status, Title = title, Detail = detail, Type = $"https://httpstatuses.io/{status}" },
            JsonBody.Options, Problems.ContentType);
    }
}
