using System.Runtime.InteropServices;

namespace Serverless.Benchmarks;

/// <summary>
/// Metrics computed from other benchmarks' metrics of the same run (so machine noise cancels out),
/// and a description of the machine for results.json.
/// </summary>
internal static class DerivedMetrics
{
    public static IReadOnlyDictionary<string, string> Units { get; } = new Dictionary<string, string>
    {
        ["engine_vs_storage_limit_ratio"] = "engine_orch_per_s / (limit_azurite_queue_ops_per_s / engine_storage_ops_per_orch), same run (target >= 0.5)",
        ["saga_vs_engine_ratio"] = "saga_durable_per_s / engine_orch_per_s, same run",
    };

    /// <summary>Adds each derived metric whose inputs are all present (a benchmark left out or failed leaves it out).</summary>
    public static void AddTo(IDictionary<string, double> metrics, IDictionary<string, string> units)
    {
        if (metrics.TryGetValue("engine_orch_per_s", out var engine) && engine > 0)
        {
            if (metrics.TryGetValue("limit_azurite_queue_ops_per_s", out var queueOps) && metrics.TryGetValue("engine_storage_ops_per_orch", out var opsPerOrch) && queueOps > 0 && opsPerOrch > 0)
            {
                Add("engine_vs_storage_limit_ratio", engine / (queueOps / opsPerOrch));
            }

            if (metrics.TryGetValue("saga_durable_per_s", out var saga))
            {
                Add("saga_vs_engine_ratio", saga / engine);
            }
        }

        void Add(string name, double value)
        {
            metrics[name] = value;
            units[name] = Units[name];
        }
    }

    public static object Machine() => new Dictionary<string, object>
    {
        ["cores"] = Environment.ProcessorCount,
        ["os"] = RuntimeInformation.OSDescription,
        ["arch"] = RuntimeInformation.OSArchitecture.ToString(),
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        ["machine_name"] = Environment.MachineName,
    };
}
