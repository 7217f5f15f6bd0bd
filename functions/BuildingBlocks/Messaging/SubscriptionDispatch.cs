using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>How every adapter hands a message to the service: the same span, log scope and DI scope whatever the transport.</summary>
public static class SubscriptionDispatch
{
    /// <summary>
    /// Runs <typeparamref name="THandler"/> for <paramref name="e"/> in a fresh DI scope, inside a
    /// consumer span that continues the event's trace, with its correlation and message id in the log
    /// scope. Throws what the handler throws; the adapter decides between retry and dead letter.
    /// </summary>
    public static async Task HandleAsync<THandler>(IServiceProvider services, string subscriber, string destination, IntegrationEvent e, ILogger logger,
        CancellationToken cancellationToken)
        where THandler : IIntegrationEventHandler
    {
        using var activity = Telemetry.Tracing.StartSpan($"{subscriber} {e.Type}", subscriber, e.TraceParent, ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", e.MessageId);
        activity?.SetTag("messaging.destination.name", destination);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = e.CorrelationId, ["MessageId"] = e.MessageId });
        await using var handlerScope = services.CreateAsyncScope();
        await handlerScope.ServiceProvider.GetRequiredService<THandler>().HandleAsync(e, cancellationToken);
    }
}
