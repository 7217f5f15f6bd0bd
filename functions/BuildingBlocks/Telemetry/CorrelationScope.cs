using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Serverless.BuildingBlocks.Telemetry;

/// <summary>
/// Structured logs carry the request's correlation id: the gateway (API Management in Azure, the local gateway here)
/// accepts or makes <c>x-correlation-id</c> and forwards it, and every line a service logs while serving the request
/// has it in scope as <c>{CorrelationId}</c> (an event consumer's lines have the event's, see SubscriptionDispatch).
/// </summary>
public static class CorrelationScope
{
    public const string Header = "x-correlation-id";
    public const string Property = "CorrelationId";

    /// <summary>A logging scope naming the request's correlation id; null when the request has none (or an unusable one).</summary>
    public static IDisposable? Begin(ILogger logger, HttpRequest? request)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var id = request?.Headers[Header].ToString();
        return string.IsNullOrWhiteSpace(id) || id.Length > 128
            ? null
            : logger.BeginScope(new Dictionary<string, object> { [Property] = id });
    }
}

/// <summary>The Functions worker's side of <see cref="CorrelationScope"/>: HTTP-triggered invocations run inside the scope.</summary>
public sealed class CorrelationScopeMiddleware(ILoggerFactory loggers) : IFunctionsWorkerMiddleware
{
    private readonly ILogger _logger = loggers.CreateLogger(typeof(CorrelationScope));

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        using var scope = CorrelationScope.Begin(_logger, context.GetHttpContext()?.Request);
        await next(context);
    }
}
