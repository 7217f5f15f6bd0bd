namespace Serverless.Reliability.Scenarios;

/// <summary>
/// One row of the matrix: a named scenario that drives the real local system and throws (an xunit
/// assertion) when a promise breaks. It returns what it saw, for the table's detail column.
/// </summary>
public sealed record Scenario(string Group, string Name, Func<Lab, Task<string>> RunAsync)
{
    public override string ToString() => $"{Group}: {Name}";
}

/// <summary>The outcome of one row, as results.json records it.</summary>
public sealed record ScenarioResult(string Name, string Storage, bool Passed, double Seconds, string Detail);

/// <summary>Every row of the matrix, in the order the runner takes them.</summary>
public static class Matrix
{
    public static IReadOnlyList<Scenario> All { get; } = [.. CrashScenarios.All, .. FaultScenarios.All, .. SuiteScenarios.All, .. SecurityScenarios.All];

    public static Scenario Named(string name) =>
        All.SingleOrDefault(s => s.Name == name) ?? throw new ArgumentException($"No scenario is named '{name}'.", nameof(name));
}
