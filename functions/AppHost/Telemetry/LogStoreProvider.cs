using System.Diagnostics;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.AppHost.Telemetry;

/// <summary>
/// The logger provider every component of the local host writes through, beside the console: each line goes
/// to the one <see cref="LogStore"/> with its level, its component (the span's <see cref="Tracing.ServiceTag"/>
/// as in <c>/ops/traces</c>, else the app that logged it), its trace id, and the order id and correlation id
/// its message or scopes carry (<c>{OrderId}</c>, <c>{CorrelationId}</c>).
/// </summary>
/// <param name="app">The app whose logging this is (<c>gateway</c>, <c>orders</c>, ...; <c>apphost</c> for the host).</param>
[ProviderAlias("LogStore")]
public sealed class LogStoreProvider(LogStore store, string app) : ILoggerProvider, ISupportExternalScope
{
    public const string OrderIdProperty = "OrderId";
    public const string CorrelationIdProperty = "CorrelationId";

    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>The component of the current work: the nearest span's service tag, the saga for the Durable Task SDK's spans, else the app.</summary>
    public static string? ComponentOf(Activity? span)
    {
        for (var current = span; current is not null; current = current.Parent)
        {
            if ((current.GetTagItem(Tracing.ServiceTag) as string ?? SpanOwners.UntaggedComponent(current)) is { } component)
            {
                return component;
            }
        }

        return null;
    }

    private sealed class Logger(LogStoreProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null)
            {
                message = $"{message} ({exception.GetType().Name}: {exception.Message})";
            }

            string? orderId = null, correlationId = null;
            void Read(object? properties)
            {
                if (properties is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, value) in pairs)
                    {
                        if (key == OrderIdProperty && value is not null)
                        {
                            orderId ??= value.ToString();
                        }
                        else if (key == CorrelationIdProperty && value is not null)
                        {
                            correlationId ??= value.ToString();
                        }
                    }
                }
            }

            Read(state);
            provider._scopes.ForEachScope((scope, _) => Read(scope), (object?)null);
            var span = Activity.Current;
            var traceId = span is null || span.TraceId == default ? null : span.TraceId.ToHexString();
            provider.Store.Add(DateTimeOffset.UtcNow, LevelName(logLevel), ComponentOf(span) ?? provider.App, message, correlationId, traceId, orderId);
        }
    }

    private LogStore Store => store;

    private string App => app;

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        _ => "Critical",
    };
}
