namespace Serverless.Benchmarks;

/// <summary>One benchmark: its metrics by name (add a class per benchmark and list it in Program.cs).</summary>
internal interface IBenchmark
{
    string Name { get; }

    /// <summary>What each metric is measured in or aims at, for the table; metrics not listed show none.</summary>
    IReadOnlyDictionary<string, string> Units => new Dictionary<string, string>();

    Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct);
}
