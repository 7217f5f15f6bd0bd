using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Serverless.Reliability;

/// <summary>
/// The real system as a newcomer runs it: the AppHost as a separate process on free ports, with a
/// fresh data folder and its own Azurite (and, in Cosmos mode, its own Cosmos server). It leads its
/// own process group, as the run command in a terminal does, so <see cref="Crash"/> kills what a real
/// crash kills (a terminal's kill, an OOM kill, a power loss): the AppHost and every server it started.
/// </summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private Process? _process;

    private AppHostProcess(string dataDirectory, Dictionary<string, string> environment)
    {
        DataDirectory = dataDirectory;
        _environment = environment;
        Gateway = new Uri($"http://127.0.0.1:{environment["GATEWAY_PORT"]}/");
    }

    public string DataDirectory { get; }

    /// <summary>Where the payments instance listens: the one service whose port the tests pin, to move it and back.</summary>
    public int PaymentsPort => int.Parse(_environment["LocalHost__Ports__payments"], System.Globalization.CultureInfo.InvariantCulture);
    public Uri Gateway { get; }

    /// <summary>The storage mode it runs in: <c>sqlite</c> or <c>cosmos</c>.</summary>
    public string Storage => _environment.TryGetValue("Storage__Provider", out var provider) ? provider : "sqlite";

    /// <summary>Cosmos mode: the account the AppHost uses — COSMOS_ENDPOINT when set, else the local server it started.</summary>
    public string CosmosEndpoint => Environment.GetEnvironmentVariable("COSMOS_ENDPOINT") is { Length: > 0 } endpoint
        ? endpoint
        : $"http://127.0.0.1:{_environment["CosmosServer__Port"]}/";

    /// <summary>COSMOS_KEY with COSMOS_ENDPOINT, else the local server's key: the emulator's public development key (not a secret).</summary>
    public string CosmosKey => Environment.GetEnvironmentVariable("COSMOS_ENDPOINT") is { Length: > 0 }
        ? Environment.GetEnvironmentVariable("COSMOS_KEY") ?? ""
        : "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";
    public string LogFile => Path.Combine(DataDirectory, "apphost.log");

    /// <summary>The log store's file: every component's structured lines, one JSON object per line (what <c>GET /ops/logs</c> serves).</summary>
    public string AggregatedLogFile => Path.Combine(DataDirectory, "logs", "shop.jsonl");

    /// <summary>The local config store: the watched settings file <c>PUT /ops/config/{key}</c> writes.</summary>
    public string SettingsFile => Path.Combine(DataDirectory, "config", "settings.Development.json");

    /// <summary>The Azurite this host started (its well-known development account: public, not a secret).</summary>
    public string AzuriteConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"QueueEndpoint=http://127.0.0.1:{_environment["Azurite__QueuePort"]}/devstoreaccount1;";

    public static async Task<AppHostProcess> StartAsync(IDictionary<string, string>? settings = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "shop-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        var ports = FreePorts(6);
        var environment = new Dictionary<string, string>
        {
            ["GATEWAY_PORT"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LocalHost__DataDirectory"] = data,
            ["Azurite__BlobPort"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Azurite__QueuePort"] = ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Azurite__TablePort"] = ports[3].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LocalHost__Ports__payments"] = ports[4].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CosmosServer__Port"] = ports[5].ToString(System.Globalization.CultureInfo.InvariantCulture), // used in Cosmos mode only
            ["Saga__MaxBackoffSeconds"] = "2",
            ["Gateway__RateLimitPermits"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var host = new AppHostProcess(data, environment);
        await host.StartAgainAsync();
        return host;
    }

    /// <summary>Starts the AppHost (again) on the same data folder and ports, and waits for /health 200.</summary>
    public async Task StartAgainAsync()
    {
        var root = RepoRoot();
        // setsid: a new session and process group led by the AppHost (setsid and env exec in place: same pid).
        // env --default-signal: SIGINT and SIGQUIT as a terminal's foreground job has them. A test run
        // started from a background job (`cmd &` without job control, as CI runners and `nohup` do)
        // hands every child SIGINT ignored, and .NET keeps an inherited ignore ("we respect ignored
        // signals", pal_signal.c): Ctrl+C then never reached the AppHost and ShutdownTests timed out.
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("env");
        start.ArgumentList.Add("--default-signal=INT,QUIT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(root, "functions", "AppHost", "bin", Configuration, "net10.0", "AppHost.dll"));
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        _process = Process.Start(start) ?? throw new InvalidOperationException("AppHost did not start.");
        _process.OutputDataReceived += (_, e) => Write(log, e.Data);
        _process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"AppHost exited with {_process.ExitCode}:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Gateway, "health"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"/health did not answer 200 within 120 s:\n{Tail()}");
    }

    /// <summary>
    /// kill -9 of the whole process group: the AppHost, Azurite and the Cosmos server die at once and no
    /// shutdown code runs anywhere, so whatever Azurite held only in memory (up to its last 5 s) is lost.
    /// </summary>
    public void Crash()
    {
        if (_process is null)
        {
            return;
        }

        Signal(-_process.Id, 9);
        _process.WaitForExit(10_000);
        _process.Dispose();
        _process = null;
        foreach (var pid in ServerPids())
        {
            WaitGone(pid);
        }
    }

    /// <summary>The process ids of the servers the AppHost started (Azurite, the Cosmos server), from their pid files.</summary>
    private IEnumerable<int> ServerPids() =>
        new[] { "azurite.pid", "cosmos.pid" }
            .Select(f => Path.Combine(DataDirectory, f))
            .Where(File.Exists)
            .Select(f => int.TryParse(File.ReadAllText(f), out var pid) ? pid : 0)
            .Where(pid => pid > 0);

    private static void WaitGone(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists($"/proc/{pid}") && !IsZombie(pid) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    /// <summary>Ctrl+C: SIGINT to the AppHost, as a terminal sends it. Returns its exit code once it has stopped.</summary>
    public async Task<int> InterruptAsync(TimeSpan within)
    {
        var process = _process ?? throw new InvalidOperationException("The AppHost is not running.");
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync();
        }

        try
        {
            await process.WaitForExitAsync().WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The AppHost did not exit within {within.TotalSeconds} s of Ctrl+C; its log ends:\n{Tail()}{await StacksAsync(process.Id)}");
        }

        var exitCode = process.ExitCode;
        process.Dispose();
        _process = null;
        return exitCode;
    }

    /// <summary>
    /// The managed stacks of a process that hangs, when the dotnet-stack tool is installed
    /// (<c>dotnet tool install -g dotnet-stack</c>): written to the data folder and returned.
    /// </summary>
    private async Task<string> StacksAsync(int pid)
    {
        var tool = new[] { Environment.GetEnvironmentVariable("HOME") ?? "", "/root" }
            .Select(home => Path.Combine(home, ".dotnet", "tools", "dotnet-stack"))
            .FirstOrDefault(File.Exists);
        if (tool is null)
        {
            return "\n(install dotnet-stack to get its stacks here)";
        }

        try
        {
            var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("report");
            start.ArgumentList.Add("-p");
            start.ArgumentList.Add(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var stack = Process.Start(start)!;
            var report = await stack.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var file = Path.Combine(DataDirectory, "stacks.txt");
            await File.WriteAllTextAsync(file, report);
            Console.Error.WriteLine($"The hanging AppHost's stacks: {file}");
            return $"\nits managed stacks ({file}):\n{report}";
        }
        catch (Exception ex) when (ex is TimeoutException or System.ComponentModel.Win32Exception or IOException)
        {
            return $"\n(dotnet-stack failed: {ex.Message})";
        }
    }

    /// <summary>The Azurite this host started, if it is still running.</summary>
    public bool AzuriteRunning()
    {
        var pidFile = Path.Combine(DataDirectory, "azurite.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile), out var pid))
        {
            return false;
        }

        try
        {
            using var azurite = Process.GetProcessById(pid);
            return !azurite.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public string Tail(int lines = 40) =>
        File.Exists(LogFile) ? string.Join('\n', File.ReadAllLines(LogFile).TakeLast(lines)) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Signal(-_process.Id, 9);
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _process?.Dispose();

        // An Azurite or Cosmos server orphaned by Kill() is ours too.
        foreach (var pidFile in new[] { "azurite.pid", "cosmos.pid" }.Select(f => Path.Combine(DataDirectory, f)))
        {
            if (File.Exists(pidFile) && int.TryParse(await File.ReadAllTextAsync(pidFile), out var pid))
            {
                try
                {
                    using var orphan = Process.GetProcessById(pid);
                    orphan.Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                    // already gone
                }
            }
        }

        if (Environment.GetEnvironmentVariable("KEEP_APPHOST_DATA") == "1")
        {
            Console.Error.WriteLine($"KEEP_APPHOST_DATA=1: the data folder and apphost.log stay in {DataDirectory}");
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a straggler still holds a file; the temp folder is cleaned eventually
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    /// <summary>Distinct free loopback ports: all held open until all are chosen.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Serverless.sln not found above the test output folder.");
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
}
