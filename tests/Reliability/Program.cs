using System.Diagnostics;
using System.Text.Json;
using Serverless.Reliability;
using Serverless.Reliability.Scenarios;
using Spectre.Console;

// dotnet run --project tests/Reliability -- [--storage sqlite|cosmos|both] [--only <text>]
// Runs the reliability matrix against the real local system (started by itself, on its own ports and
// data folders), shows progress, prints the table (scenario, result, seconds) and writes
// artifacts/reliability/results.json. Exit code 1 when a row fails.
var storages = Option("--storage") switch
{
    null or "both" => new[] { "sqlite", "cosmos" },
    var one => [one],
};
var only = Option("--only");
var rows = Matrix.All.Where(s => only is null || s.ToString().Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();

var results = new List<ScenarioResult>();
foreach (var storage in storages)
{
    await using var lab = new Lab(storage);
    foreach (var scenario in rows)
    {
        var name = $"{scenario} [{storage}]";
        var clock = Stopwatch.StartNew();
        ScenarioResult result;
        try
        {
            var detail = await AnsiConsole.Status().StartAsync($"{Markup.Escape(name)} ...", _ => scenario.RunAsync(lab));
            result = new ScenarioResult(scenario.ToString(), storage, true, clock.Elapsed.TotalSeconds, detail);
        }
        catch (Exception ex)
        {
            result = new ScenarioResult(scenario.ToString(), storage, false, clock.Elapsed.TotalSeconds, ex.Message.ReplaceLineEndings(" "));
        }

        results.Add(result);
        AnsiConsole.MarkupLine($"{(result.Passed ? "[green]pass[/]" : "[red]FAIL[/]")} {Markup.Escape(name)} [grey]({result.Seconds:0.0} s) {Markup.Escape(result.Detail)}[/]");
    }
}

var table = new Table().AddColumn("scenario").AddColumn("storage").AddColumn("result").AddColumn(new TableColumn("seconds").RightAligned()).AddColumn("detail");
foreach (var r in results)
{
    table.AddRow(Markup.Escape(r.Name), r.Storage, r.Passed ? "[green]pass[/]" : "[red]FAIL[/]", r.Seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(r.Detail));
}

AnsiConsole.Write(table);
var output = Path.Combine(AppHostProcess.RepoRoot(), "artifacts", "reliability", "results.json");
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(
    new { scenarios = results.Select(r => new { name = $"{r.Name} [{r.Storage}]", passed = r.Passed, seconds = Math.Round(r.Seconds, 1), detail = r.Detail }) },
    new JsonSerializerOptions { WriteIndented = true }));
AnsiConsole.MarkupLine($"[grey]{results.Count(r => r.Passed)} of {results.Count} passed. Wrote {Markup.Escape(output)}[/]");
return results.All(r => r.Passed) ? 0 : 1;

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
