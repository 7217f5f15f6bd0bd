using System.Globalization;
using System.Text.Json;
using Serverless.Benchmarks;
using Spectre.Console;

// dotnet run -c Release --project tests/Benchmarks -- [--quick]
// Runs every benchmark, prints one table and writes artifacts/bench/results.json at the repo root:
// {"machine": {...}, "metrics": {...}}, the metrics including the derived ones (DerivedMetrics.cs).
// A benchmark that throws is reported and skipped (its metrics absent); the exit code is then 1.
var quick = args.Contains("--quick");
// The limits and the bare engine first: the derived ratios compare the others against them.
IBenchmark[] benchmarks = [new LimitsBenchmark(), new EngineBenchmark(), new SagaBenchmark("sqlite"), new SagaBenchmark("cosmos"), new EventStoreLoadBenchmark(), new BusThroughputBenchmark(), new HistoryLagBenchmark("sqlite"), new HistoryLagBenchmark("cosmos"), new ChangeFeedConsumerBenchmark(), new GatewayOverheadBenchmark(), new ColdStartBenchmark()];
if (Environment.GetEnvironmentVariable("BENCH_ONLY") is { Length: > 0 } only)
{
    // BENCH_ONLY=Limits,Engine runs both in one process, so the derived ratios come from one run. A name
    // matches a benchmark's class or its title ("(cosmos)" picks one storage mode).
    var names = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    benchmarks = benchmarks.Where(b => names.Any(n => b.GetType().Name.Contains(n, StringComparison.OrdinalIgnoreCase) || b.Name.Contains(n, StringComparison.OrdinalIgnoreCase))).ToArray();
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
var units = new Dictionary<string, string>(StringComparer.Ordinal);
var failed = false;
foreach (var benchmark in benchmarks)
{
    AnsiConsole.MarkupLine($"[grey]Running {Markup.Escape(benchmark.Name)}{(quick ? " (quick)" : "")}...[/]");
    var clock = System.Diagnostics.Stopwatch.StartNew();
    try
    {
        var reported = await benchmark.RunAsync(quick, cancel.Token);
        foreach (var (name, value) in reported)
        {
            metrics[name] = value;
            units[name] = benchmark.Units.GetValueOrDefault(name, "");
        }

        // Every metric a benchmark names must come out as a number: the smoke test in CI checks the program, not the numbers.
        if (benchmark.Units.Keys.Where(name => !reported.TryGetValue(name, out var v) || !double.IsFinite(v)).ToArray() is { Length: > 0 } missing)
        {
            failed = true;
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(benchmark.Name)} did not report {Markup.Escape(string.Join(", ", missing))}[/]");
        }
    }
    catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
    {
        failed = true;
        AnsiConsole.MarkupLine($"[red]{Markup.Escape(benchmark.Name)} failed:[/]");
        AnsiConsole.WriteException(ex, ExceptionFormats.ShortenEverything);
    }

    AnsiConsole.MarkupLine($"[grey]  done in {clock.Elapsed.TotalSeconds:0} s[/]");
}

DerivedMetrics.AddTo(metrics, units);

var table = new Table()
    .AddColumn(new TableColumn("metric").NoWrap())
    .AddColumn(new TableColumn("value").RightAligned().NoWrap())
    .AddColumn("unit / target");
foreach (var (name, value) in metrics)
{
    table.AddRow(Markup.Escape(name), value.ToString("0.000", CultureInfo.InvariantCulture), Markup.Escape(units[name]));
}

AnsiConsole.Write(table);

var root = FindRepoRoot() ?? throw new InvalidOperationException("Serverless.sln not found above the working or the program's folder.");
var output = Path.Combine(root, "artifacts", "bench", "results.json");
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new { machine = DerivedMetrics.Machine(), metrics }, new JsonSerializerOptions { WriteIndented = true }));
AnsiConsole.MarkupLine($"[grey]Wrote {Markup.Escape(output)}[/]");
return failed ? 1 : 0;

static string? FindRepoRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }
    }

    return null;
}
