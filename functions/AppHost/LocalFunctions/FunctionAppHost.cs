using System.Globalization;
using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Serverless.AppHost.Durable;
using Serverless.AppHost.Telemetry;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.AppHost.LocalFunctions;

/// <summary>
/// Runs one Function App locally: its own Kestrel port, its own DI container (built by the app's
/// one registration method) and the same [Function] classes Azure runs, with HTTP triggers bound
/// through ASP.NET Core (HttpRequest in, IActionResult out), Durable triggers registered with the
/// Durable Task worker and timer triggers on a loop.
/// </summary>
public static class FunctionAppHost
{
    public static WebApplication Build(FunctionAppDefinition definition, IConfiguration configuration, int port, DurableConnection? durable, Action<ILoggingBuilder> logging,
        IServiceFaults? faults = null, BusFaults? busFaults = null)
    {
        faults ??= new NoFaults();
        var catalog = FunctionCatalog.Discover(definition.Assembly);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = definition.Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        ((IConfigurationBuilder)builder.Configuration).Add(OwnSettings.Source(definition.Name, configuration)); // no other app's secrets
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 1024 * 1024;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<IHostLifetime, ManagedLifetime>();
        logging(builder.Logging);
        builder.Services.AddMvcCore();

        builder.Services.AddSingleton(faults);
        if (busFaults is not null)
        {
            builder.Services.AddSingleton(busFaults);
        }

        definition.Register(builder.Services, builder.Configuration);
        // Opt-in locally (APPLICATIONINSIGHTS_CONNECTION_STRING): each app exports its own spans under its own role, as in Azure.
        builder.Services.AddApplicationInsights(builder.Configuration, definition.Name, owns: span => SpanOwners.AppOf(span) == definition.Name);

        var usesDurable = catalog.Orchestrators.Count > 0 || catalog.Activities.Count > 0 ||
            definition.Assembly.GetTypes().SelectMany(t => t.GetMethods()).SelectMany(m => m.GetParameters()).Any(p => p.GetCustomAttribute<DurableClientAttribute>() is not null);
        if (usesDurable)
        {
            if (durable is null)
            {
                throw new InvalidOperationException($"{definition.Name} uses Durable Functions but no Durable backend was given.");
            }

            durable.AddClientAndWorker(builder.Services, catalog);
        }

        foreach (var timer in catalog.Timers)
        {
            builder.Services.AddSingleton<IHostedService>(sp => new TimerLoop(timer, sp, sp.GetRequiredService<ILogger<TimerLoop>>()));
        }

        var app = builder.Build();
        var correlation = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CorrelationScope));
        app.Use(async (context, next) =>
        {
            Tracing.MarkService(definition.Name);
            using var scope = CorrelationScope.Begin(correlation, context.Request); // as CorrelationScopeMiddleware does in Azure
            await next(context);
        });
        app.Use(ProblemOnUnhandledException);
        app.Use((context, next) => ApplyFault(faults, definition.Name, context, next));
        app.MapGet("/health", async (HttpContext context) => await Health(context, usesDurable));
        foreach (var function in catalog.Http)
        {
            app.MapMethods("/" + function.Route.TrimStart('/'), function.HttpMethods, context => InvokeHttp(function, context))
                .WithDisplayName(function.Name);
        }

        return app;
    }

    private static async Task InvokeHttp(HttpFunction function, HttpContext context)
    {
        var result = await FunctionInvoker.InvokeAsync(function.Method, context.RequestServices, p => BindHttp(function.Method, p, context));
        switch (result)
        {
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            case IResult minimal:
                await minimal.ExecuteAsync(context);
                break;
            case null:
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            default:
                await context.Response.WriteAsJsonAsync(result, result.GetType(), JsonBody.Options);
                break;
        }
    }

    private static object? BindHttp(MethodInfo method, ParameterInfo parameter, HttpContext context)
    {
        var type = parameter.ParameterType;
        if (type == typeof(HttpRequest))
        {
            return context.Request;
        }

        if (type == typeof(HttpContext))
        {
            return context.Request.HttpContext;
        }

        if (type == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }

        if (parameter.GetCustomAttribute<DurableClientAttribute>() is not null)
        {
            return context.RequestServices.GetRequiredService<DurableTaskClient>();
        }

        if (context.GetRouteValue(parameter.Name!) is { } value)
        {
            return type == typeof(string) ? value.ToString() : Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
        }

        throw FunctionInvoker.Unbindable(method, parameter);
    }

    private static async Task Health(HttpContext context, bool usesDurable)
    {
        var healthy = true;
        if (usesDurable)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await context.RequestServices.GetRequiredService<DurableTaskClient>().GetInstanceAsync("health-probe", timeout.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                healthy = false;
            }
        }

        context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        await context.Response.WriteAsJsonAsync(new { status = healthy ? "Healthy" : "Unhealthy" });
    }

    /// <summary>The local fault switch: <c>down</c> answers 503 to everything, <c>slow</c> answers 2 s late.</summary>
    private static async Task ApplyFault(IServiceFaults faults, string service, HttpContext context, RequestDelegate next)
    {
        switch (faults.Mode)
        {
            case FaultMode.Down:
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "5";
                await context.Response.WriteAsJsonAsync(
                    new ProblemDetails { Status = 503, Title = "Service unavailable", Detail = $"{service} is down (fault switch)." }, JsonBody.Options, Problems.ContentType);
                return;
            case FaultMode.Slow:
                await Task.Delay(TimeSpan.FromSeconds(2), context.RequestAborted);
                break;
        }

        await next(context);
    }

    /// <summary>
    /// An unhandled exception becomes a 500 problem without a stack trace (it is logged); a write that
    /// kept losing the optimistic-concurrency race to other writers of the same item is a 503 to retry.
    /// </summary>
    private static async Task ProblemOnUnhandledException(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (ConcurrencyConflictException ex) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LocalFunctions")
                .LogWarning(ex, "Function {Path} lost every retry to concurrent writers", context.Request.Path.Value);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            context.Response.ContentType = Problems.ContentType;
            await context.Response.WriteAsJsonAsync(
                new ProblemDetails { Status = 503, Title = "Busy", Detail = "The item is being changed by many requests at once; try again." }, JsonBody.Options, Problems.ContentType);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LocalFunctions")
                .LogError(ex, "Function {Path} failed", context.Request.Path.Value);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            context.Response.ContentType = Problems.ContentType;
            await context.Response.WriteAsJsonAsync(
                new ProblemDetails { Status = 500, Title = "Internal error", Detail = "The service failed; see its logs." }, JsonBody.Options, Problems.ContentType);
        }
    }
}
