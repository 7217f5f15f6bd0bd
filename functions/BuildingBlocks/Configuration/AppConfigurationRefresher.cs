using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Serverless.BuildingBlocks.Configuration;

/// <summary>
/// Lets requests nudge the App Configuration providers: <see cref="RequestRefresh"/> returns at once, and the
/// sentinel check, when due, runs in the background with at most one check per provider at a time.
/// </summary>
public sealed class AppConfigurationRefresher
{
    private readonly IReadOnlyList<AppConfigurationProvider> _providers;

    public AppConfigurationRefresher(IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        _providers = configuration is IConfigurationRoot root ? root.Providers.OfType<AppConfigurationProvider>().ToList() : [];
        foreach (var provider in _providers)
        {
            provider.UseLogger(loggerFactory.CreateLogger<AppConfigurationProvider>());
        }
    }

    /// <summary>Fire and forget: never waits for the store.</summary>
    public void RequestRefresh()
    {
        foreach (var provider in _providers.Where(p => p.RefreshDue))
        {
            _ = Task.Run(() => provider.TryRefreshAsync());
        }
    }

    /// <summary>The same check, awaited: for timers and tests. True when any provider reloaded.</summary>
    public async Task<bool> TryRefreshAsync(CancellationToken cancellationToken = default)
    {
        var reloaded = await Task.WhenAll(_providers.Select(p => p.TryRefreshAsync(cancellationToken)));
        return reloaded.Contains(true);
    }
}

/// <summary>Each function invocation asks for a refresh and goes on without waiting for it.</summary>
public sealed class AppConfigurationRefreshMiddleware(AppConfigurationRefresher refresher) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        // Orchestrators replay and must stay deterministic: they never trigger a refresh.
        if (!context.FunctionDefinition.InputBindings.Values.Any(b => string.Equals(b.Type, "orchestrationTrigger", StringComparison.OrdinalIgnoreCase)))
        {
            refresher.RequestRefresh();
        }

        return next(context);
    }
}
