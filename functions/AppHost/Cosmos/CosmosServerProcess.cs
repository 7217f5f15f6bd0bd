using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Serverless.AppHost.Cosmos;

public sealed class CosmosServerOptions
{
    /// <summary>The port to listen on; 0 picks a free one (see <see cref="CosmosServerProcess.Options"/>).</summary>
    public int Port { get; set; } = 8081;

    /// <summary>Plain http on loopback: the SDK accepts it in Gateway mode, so no certificate is involved.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}/";

    /// <summary>The Cosmos DB emulator's well-known key (public, documented; not a secret). The local server does not check it.</summary>
    public string Key => "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";
}

/// <summary>
/// Starts the local Cosmos DB server (functions/AppHost/Cosmos/cosmos-server.js on the npm package pinned in
/// the repo's package.json, installed on first use) unless one already listens on the configured port, and
/// stops what it started. With a data directory the server journals every change there and keeps its data
/// across restarts; without one it keeps everything in memory.
/// </summary>
public sealed class CosmosServerProcess : IAsyncDisposable
{
    public const string Script = "functions/AppHost/Cosmos/cosmos-server.js";

    private readonly ILogger _logger;
    private Process? _process;

    private CosmosServerProcess(Process? process, CosmosServerOptions options, ILogger logger)
    {
        _process = process;
        Options = options;
        _logger = logger;
    }

    /// <summary>Where the server listens (the actual port when 0 was asked for).</summary>
    public CosmosServerOptions Options { get; }

    /// <summary>The server's process id, or null when an already running server is used.</summary>
    public int? ProcessId => _process?.Id;

    public static async Task<CosmosServerProcess> EnsureRunningAsync(CosmosServerOptions options, string repoRoot, string? dataDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port != 0 && await LocalProcesses.IsListeningAsync(options.Port))
        {
            logger.LogInformation("Cosmos DB server already running on port {Port}: using it", options.Port);
            return new CosmosServerProcess(null, options, logger);
        }

        if (!File.Exists(Path.Combine(repoRoot, "node_modules", "@vercel", "cosmosdb-server", "lib", "index.js")))
        {
            logger.LogInformation("Installing the local Cosmos DB server with npm (first run only)...");
            await LocalProcesses.RunAsync("npm", "ci --no-audit --no-fund --loglevel=error", repoRoot, cancellationToken);
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(repoRoot, Script));
        // The server stops when this process's end of its stdin closes, so it never outlives a killed parent.
        start.ArgumentList.Add("--exit-with-stdin");
        start.ArgumentList.Add("--host");
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(options.Port.ToString(CultureInfo.InvariantCulture));
        string? location = null;
        if (dataDirectory is not null)
        {
            location = Path.Combine(dataDirectory, "cosmos");
            start.ArgumentList.Add("--data");
            start.ArgumentList.Add(location);
        }

        logger.LogInformation("Starting the local Cosmos DB server on port {Port} (data in {Location})...", options.Port, location ?? "memory");
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(start) ?? throw new InvalidOperationException("The Cosmos DB server did not start.");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { Length: > 0 } line)
            {
                return;
            }

            // The server prints its port once it accepts connections (the only way to learn it for port 0).
            if (line.StartsWith("listening on ", StringComparison.Ordinal)
                && int.TryParse(line.AsSpan("listening on ".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                listening.TrySetResult(port);
            }

            logger.LogDebug("cosmos: {Line}", line);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) logger.LogWarning("cosmos: {Line}", e.Data); };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The Cosmos DB server exited before listening (its error output is logged); is port {options.Port} taken?"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        int actualPort;
        try
        {
            actualPort = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            await new CosmosServerProcess(process, options, logger).DisposeAsync();
            throw ex is TimeoutException ? new TimeoutException("The Cosmos DB server did not listen within 60 s.", ex) : ex;
        }

        if (dataDirectory is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(dataDirectory, "cosmos.pid"), process.Id.ToString(CultureInfo.InvariantCulture), cancellationToken);
        }

        logger.LogInformation("Cosmos DB server ready on port {Port}", actualPort);
        return new CosmosServerProcess(process, new CosmosServerOptions { Port = actualPort }, logger);
    }

    /// <summary>Stops the server gracefully first (SIGINT: it flushes its journal), then for good after a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        await LocalProcesses.StopAsync(_process, _logger, "The Cosmos DB server");
        _process?.Dispose();
        _process = null;
    }
}
