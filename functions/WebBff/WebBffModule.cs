using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly.CircuitBreaker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.WebBff.ComposingOrders;

namespace Serverless.WebBff;

public static class WebBffModule
{
    /// <summary>The downstreams the web BFF composes; each gets its own resilience pipeline and circuit.</summary>
    public static readonly string[] Downstreams = ["orders", "payments", "shipping"];

    /// <summary>
    /// The web client's back end: API composition with a timeout, a jittered retry and a circuit
    /// breaker per downstream (Microsoft.Extensions.Http.Resilience), and a fallback (null part,
    /// name in <c>degraded</c>) so a page renders fast when a part is down or its circuit is open.
    /// </summary>
    public static IServiceCollection AddWebBff(this IServiceCollection services, IConfiguration configuration)
    {
        AzureSettings.ThrowIfIncomplete("web-bff", configuration); // in Azure mode: every setting it needs, or no start
        services.AddServiceDefaults(configuration);
        var circuits = new Circuits();
        services.AddSingleton(circuits);
        services.AddGauge("web_bff.circuit.state", unit: null, "The web BFF's circuit breaker per downstream (tag service): 0 closed, 1 half-open, 2 open",
            _ => circuits.Levels);
        foreach (var name in Downstreams)
        {
            var client = services.AddHttpClient(name, c => c.BaseAddress = ServiceDefaults.ServiceAddress(name));
            if (name != "orders")
            {
                // Payments and shipping are read with the BFF's own identity, once the caller's order is known to be theirs.
                client.AddHttpMessageHandler<ServiceTokenHandler>();
            }

            client.AddStandardResilienceHandler(o =>
            {
                o.TotalRequestTimeout.Timeout = TimeSpan.FromMilliseconds(1500);
                o.AttemptTimeout.Timeout = TimeSpan.FromMilliseconds(600);
                o.Retry.MaxRetryAttempts = 1;
                o.Retry.Delay = TimeSpan.FromMilliseconds(50);
                o.Retry.UseJitter = true;
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(10);
                o.CircuitBreaker.MinimumThroughput = 4;
                o.CircuitBreaker.FailureRatio = 0.5;
                o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
                o.CircuitBreaker.StateProvider = circuits.For(name);
            });
        }

        return services;
    }
}

/// <summary>The circuit state of each downstream, for the ops view.</summary>
public sealed class Circuits
{
    private readonly Dictionary<string, CircuitBreakerStateProvider> _providers = new(StringComparer.Ordinal);

    public CircuitBreakerStateProvider For(string downstream)
    {
        if (!_providers.TryGetValue(downstream, out var provider))
        {
            provider = new CircuitBreakerStateProvider();
            _providers[downstream] = provider;
        }

        return provider;
    }

    /// <summary>The gauge's reading per downstream (tag <c>service</c>): 0 closed, 1 half-open, 2 open (isolated by hand counts as open).</summary>
    public IEnumerable<Measurement<double>> Levels() =>
        _providers.Select(p => new Measurement<double>(Level(p.Value.CircuitState), new KeyValuePair<string, object?>("service", p.Key))).ToList();

    public static int Level(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        _ => 2,
    };

    /// <summary>closed, open, half-open or isolated, per downstream.</summary>
    public IReadOnlyDictionary<string, string> States() =>
        _providers.ToDictionary(p => p.Key, p => p.Value.CircuitState switch
        {
            CircuitState.Closed => "closed",
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half-open",
            _ => "isolated",
        });
}
