using System.Diagnostics;
using System.Globalization;
using System.Net;
using Serverless.Reliability;

namespace Serverless.Benchmarks;

/// <summary>
/// How long the README's run command takes to serve: <c>dotnet run --project functions/AppHost</c>
/// (already built: built once, untimed, before) on a fresh data folder, until <c>GET /health</c>
/// answers 200. Beside it, <c>dotnet run --no-build</c>: the same start without the build check, most of
/// which is the Functions Worker SDK rebuilding each app's generated WorkerExtensions project on every
/// build (upstream: Azure/azure-functions-dotnet-worker#3381).
/// </summary>
internal sealed class ColdStartBenchmark : IBenchmark
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    public string Name => "Cold start (run command -> /health 200)";

    public IReadOnlyDictionary<string, string> Units => new Dictionary<string, string>
    {
        ["cold_start_s"] = "s, dotnet run --project functions/AppHost (already built) -> /health 200, median (target <= 15)",
        ["cold_start_no_build_s"] = "s, dotnet run --no-build --project functions/AppHost -> /health 200, median",
    };

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(bool quick, CancellationToken ct)
    {
        var root = AppHostProcess.RepoRoot();
        using (var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "functions/AppHost", "-v", "q", "-nologo"]) { WorkingDirectory = root, RedirectStandardOutput = true })!)
        {
            await build.StandardOutput.ReadToEndAsync(ct);
            await build.WaitForExitAsync(ct);
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException("dotnet build functions/AppHost failed.");
            }
        }

        var rounds = quick ? 1 : 3;
        var run = new List<double>();
        var noBuild = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            run.Add(await TimeToHealthAsync(root, ["run", "--project", "functions/AppHost"], ct));
            noBuild.Add(await TimeToHealthAsync(root, ["run", "--no-build", "--project", "functions/AppHost"], ct));
        }

        return new Dictionary<string, double>
        {
            ["cold_start_s"] = run.Order().ElementAt(run.Count / 2),
            ["cold_start_no_build_s"] = noBuild.Order().ElementAt(noBuild.Count / 2),
        };
    }

    /// <summary>Starts the command in its own process group on a fresh data folder and free ports; stops the whole group after.</summary>
    private static async Task<double> TimeToHealthAsync(string root, string[] arguments, CancellationToken ct)
    {
        var data = Path.Combine(Path.GetTempPath(), "bench-cold-" + Guid.NewGuid().ToString("N")[..8]);
        var ports = AppHostProcess.FreePorts(5);
        var start = new ProcessStartInfo("setsid") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("dotnet");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GATEWAY_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture);
        start.Environment["LocalHost__DataDirectory"] = data;
        start.Environment["Azurite__BlobPort"] = ports[1].ToString(CultureInfo.InvariantCulture);
        start.Environment["Azurite__QueuePort"] = ports[2].ToString(CultureInfo.InvariantCulture);
        start.Environment["Azurite__TablePort"] = ports[3].ToString(CultureInfo.InvariantCulture);
        start.Environment["CosmosServer__Port"] = ports[4].ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            while (clock.Elapsed < TimeSpan.FromSeconds(180))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode} before /health answered.");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{ports[0]}/health"), ct);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return clock.Elapsed.TotalSeconds;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    // not listening yet
                }

                await Task.Delay(100, ct);
            }

            throw new TimeoutException($"dotnet {string.Join(' ', arguments)}: /health did not answer 200 within 180 s.");
        }
        finally
        {
            // SIGTERM to the whole group (setsid made the process its leader): the AppHost stops Azurite with itself.
            // libc's kill, not the kill command: procps kill does not take "-<pgid>" without "--" (it signalled everything).
            if (process.Id > 1)
            {
                _ = Kill(-process.Id, SigTerm);
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(20)) && process.Id > 1)
            {
                _ = Kill(-process.Id, SigKill);
            }

            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // a straggler still writes; the temp folder is the OS's to clean
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
