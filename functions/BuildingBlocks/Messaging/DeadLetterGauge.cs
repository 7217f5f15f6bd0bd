using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.BuildingBlocks.Messaging;

public static class DeadLetterGauge
{
    /// <summary>How often the gauge may count the dead letters: a count reads every poison queue, so not on every scrape.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The gauge <c>bus.dead_letters</c>: the bus's dead letters (<see cref="IDeadLetters.CountAsync"/>), counted at
    /// most every <see cref="MaxAge"/>. Registered by the host that operates the bus (locally the gateway);
    /// Service Bus reports its own dead-lettered message count in Azure Monitor.
    /// </summary>
    public static IServiceCollection AddDeadLetterGauge(this IServiceCollection services) =>
        services.AddGauge("bus.dead_letters", unit: null, "Messages in the bus's dead-letter queues", sp =>
        {
            if (sp.GetService<IDeadLetters>() is not { } deadLetters)
            {
                return () => []; // a host without a bus (configured) has no dead letters to count
            }

            var count = new CachedReading<int>(deadLetters.CountAsync, MaxAge, TimeProvider.System);
            count.Current(); // the first read starts now, so the first scrape has a figure
            return () => count.Current() is { } n ? [new(n)] : [];
        });
}
