using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Serverless.Reliability.Scenarios;

/// <summary>
/// Rows whose proof lives below the running system, at the level where the fault can be made on
/// purpose: the runner runs those tests (<c>dotnet test</c> with a filter) and the row passes only if
/// they ran and all passed. (In <c>dotnet test Serverless.sln</c> the same tests run directly.)
/// </summary>
public static partial class SuiteScenarios
{
    private const string Group = "fault";

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new(Group, "a projection handler failing for one event: parked, the rest continue, a rebuild repairs it",
            _ => RunTestsAsync("IntegrationTests", "FullyQualifiedName~APoisonEvent|FullyQualifiedName~AFailureThatPassesOnRetry|FullyQualifiedName~ARebuildAfterTheFix")),
        new(Group, "orchestrator replayed from recorded histories: a breaking change fails",
            _ => RunTestsAsync("UnitTests", "FullyQualifiedName~RecordedHistoryTests")),
    ];

    private static async Task<string> RunTestsAsync(string project, string filter)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = AppHostProcess.RepoRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "test", Path.Combine("tests", project), "--filter", filter, "--logger", "console;verbosity=minimal" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet test did not start.");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var summary = Summary().Match(output);
        Assert.True(summary.Success, $"dotnet test printed no summary (exit {process.ExitCode}):\n{output[^Math.Min(output.Length, 2000)..]}");
        var (failed, passed) = (int.Parse(summary.Groups["failed"].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(summary.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(failed == 0 && passed > 0 && process.ExitCode == 0, $"{project} [{filter}]: {failed} failed, {passed} passed (exit {process.ExitCode}).");
        return $"{passed} tests of {project} passed ({filter})";
    }

    [GeneratedRegex(@"Failed:\s+(?<failed>\d+), Passed:\s+(?<passed>\d+)")]
    private static partial Regex Summary();
}
