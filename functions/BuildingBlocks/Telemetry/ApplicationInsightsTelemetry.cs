using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Serverless.BuildingBlocks.Telemetry;

/// <summary>
/// Traces, metrics and logs to Application Insights through OpenTelemetry and the Azure Monitor exporter, when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (in Azure the Bicep sets it; locally only if you opt in).
/// The cloud role (<c>ai.cloud.role</c>) is the app's logical name, the operation id is the W3C trace id, so one
/// order is one end-to-end transaction across the apps. In Azure the exporter signs in with the app's managed
/// identity (<c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> = <c>Authorization=AAD;ClientId=...</c>): the
/// Application Insights resource accepts no keys.
/// </summary>
public static class ApplicationInsightsTelemetry
{
    public const string ConnectionStringKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringKey = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>Spans exported besides ASP.NET Core's and HttpClient's: ours, the Functions worker's invocations, Durable Task, Azure SDK clients.</summary>
    public static readonly IReadOnlyList<string> Sources = [Tracing.Source.Name, "Microsoft.Azure.Functions.Worker", "Microsoft.DurableTask*", "Azure.*"];

    /// <summary>Meters exported: requests, connections and outgoing calls, the runtime (GC, thread pool, ...), ours.</summary>
    public static readonly IReadOnlyList<string> Meters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime", Tracing.Source.Name];

    /// <summary>The Functions worker's wiring: this app's telemetry plus the worker's resource and invocation spans.</summary>
    public static TBuilder AddApplicationInsights<TBuilder>(this TBuilder builder, string app)
        where TBuilder : IHostApplicationBuilder, IFunctionsWorkerApplicationBuilder
    {
        ((IHostApplicationBuilder)builder).Services.AddApplicationInsights(builder.Configuration, app, platform: otel => otel.UseFunctionsWorkerDefaults());
        builder.UseMiddleware<CorrelationScopeMiddleware>(); // every HTTP invocation's log lines carry its correlation id
        return builder;
    }

    /// <summary>
    /// Exports <paramref name="app"/>'s telemetry when the connection string is set; otherwise registers nothing.
    /// </summary>
    /// <param name="owns">
    /// In a process that runs several apps (the local AppHost), which spans are this app's; its metrics are then the
    /// ones of its own container only (meters from its <see cref="IMeterFactory"/>). Null: the process is the app's.
    /// </param>
    /// <param name="platform">The host's own OpenTelemetry defaults (the Functions worker's), applied first.</param>
    public static IServiceCollection AddApplicationInsights(this IServiceCollection services, IConfiguration configuration, string app,
        Func<Activity, bool>? owns = null, Action<OpenTelemetryBuilder>? platform = null)
    {
        if (string.IsNullOrWhiteSpace(configuration[ConnectionStringKey]))
        {
            return services;
        }

        var exporter = new AzureMonitorExporterOptions
        {
            ConnectionString = configuration[ConnectionStringKey],
            Credential = Credential(configuration[AuthenticationStringKey]),
        };

        // Azure SDK clients (Service Bus, Cosmos, Storage) record spans only with this switch on.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        var otel = services.AddOpenTelemetry();
        platform?.Invoke(otel);
        otel.ConfigureResource(resource => resource.AddService(app))
            .WithTracing(tracing =>
            {
                tracing.AddSource([.. Sources]).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                BaseProcessor<Activity> export = new BatchActivityExportProcessor(new AzureMonitorTraceExporter(exporter),
                    scheduledDelayMilliseconds: Milliseconds(configuration, "OTEL_BSP_SCHEDULE_DELAY", 5_000));
                tracing.AddProcessor(owns is null ? export : new OwnSpansOnly(owns, export));
            })
            .WithMetrics(metrics => metrics.AddReader(
                new PeriodicExportingMetricReader(new AzureMonitorMetricExporter(exporter), Milliseconds(configuration, "OTEL_METRIC_EXPORT_INTERVAL", 60_000))
                {
                    TemporalityPreference = MetricReaderTemporalityPreference.Delta,
                }))
            .WithLogging(
                logging => logging.AddProcessor(new BatchLogRecordExportProcessor(new AzureMonitorLogExporter(exporter),
                    scheduledDelayMilliseconds: Milliseconds(configuration, "OTEL_BLRP_SCHEDULE_DELAY", 5_000))),
                options => options.IncludeFormattedMessage = true);

        // Meters through the metrics builder rather than AddMeter, because only it tells one container's meters from another's.
        var scope = owns is null ? MeterScope.Global | MeterScope.Local : MeterScope.Local;
        services.AddMetrics(builder =>
        {
            foreach (var meter in Meters)
            {
                builder.EnableMetrics(meter, instrumentName: null, listenerName: "OpenTelemetry", scopes: scope);
            }
        });
        return services;
    }

    /// <summary>
    /// The exporter's credential from the authentication string the Functions host reads too:
    /// <c>Authorization=AAD;ClientId=&lt;user-assigned identity&gt;</c> (no ClientId: the system-assigned one); none without it.
    /// </summary>
    public static TokenCredential? Credential(string? authenticationString)
    {
        var parts = (authenticationString ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new ManagedIdentityCredential(parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? ManagedIdentityId.FromUserAssignedClientId(clientId)
            : ManagedIdentityId.SystemAssigned);
    }

    private static int Milliseconds(IConfiguration configuration, string key, int fallback) =>
        int.TryParse(configuration[key], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    /// <summary>Passes on only the spans <paramref name="owns"/> accepts (a composite, so the exporter still learns its provider's resource).</summary>
    private sealed class OwnSpansOnly(Func<Activity, bool> owns, BaseProcessor<Activity> export) : CompositeProcessor<Activity>([export])
    {
        public override void OnStart(Activity data)
        {
        }

        public override void OnEnd(Activity data)
        {
            if (owns(data))
            {
                base.OnEnd(data);
            }
        }
    }
}
