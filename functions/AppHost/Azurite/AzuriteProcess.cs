using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Serverless.AppHost.Azurite;

public sealed class AzuriteOptions
{
    public int BlobPort { get; set; } = 10000;
    public int QueuePort { get; set; } = 10001;
    public int TablePort { get; set; } = 10002;

    /// <summary>Azurite's well-known development account (public, documented; not a secret).</summary>
    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";
}

/// <summary>
/// Starts Azurite (pinned in the repo's package.json, installed with npm on first use) unless one
/// is already listening on the configured ports, and stops what it started.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private Process? _process;

    /// <summary>What Azurite prints once a service (blob, queue, table) has closed and saved its metadata.</summary>
    private const string ServiceClosed = "service successfully closed";

    private readonly ILogger _logger;
    private readonly TaskCompletionSource _saved;

    private AzuriteProcess(Process? process, ILogger logger, TaskCompletionSource? saved = null)
    {
        _process = process;
        _logger = logger;
        _saved = saved ?? new TaskCompletionSource();
    }

    public static async Task<AzuriteProcess> EnsureRunningAsync(AzuriteOptions options, string repoRoot, string dataDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        int[] ports = [options.BlobPort, options.QueuePort, options.TablePort];
        if (await AllListening(ports))
        {
            logger.LogInformation("Azurite already running on ports {Ports}: using it", string.Join(",", ports));
            return new AzuriteProcess(null, logger);
        }

        var script = Path.Combine(repoRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            logger.LogInformation("Installing Azurite with npm (first run only)...");
            await LocalProcesses.RunAsync("npm", "ci --no-audit --no-fund --loglevel=error", repoRoot, cancellationToken);
        }

        var location = Path.Combine(dataDirectory, "azurite");
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     script, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--location", location,
                     "--blobHost", "127.0.0.1", "--blobPort", options.BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", options.QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", options.TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        logger.LogInformation("Starting Azurite on ports {Ports} (data in {Location})...", string.Join(",", ports), location);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        // Its three services each say when they have closed and saved: then its state is on disk.
        var saved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = 0;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { Length: > 0 } line)
            {
                return;
            }

            logger.LogDebug("azurite: {Line}", line);
            if (line.Contains(ServiceClosed, StringComparison.Ordinal) && Interlocked.Increment(ref closed) == 3)
            {
                saved.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) logger.LogWarning("azurite: {Line}", e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "azurite.pid"), process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await AllListening(ports))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode}; are its ports taken?");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Azurite did not listen within 60 s.");
            }

            await Task.Delay(200, cancellationToken);
        }

        logger.LogInformation("Azurite ready");
        return new AzuriteProcess(process, logger, saved);
    }

    /// <summary>
    /// Stops Azurite gracefully first (SIGINT: it saves its metadata, or queues and tables created
    /// in its last seconds would be lost), then for good after a few seconds.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await LocalProcesses.StopAsync(_process, _logger, "Azurite", _saved.Task);
        _process?.Dispose();
        _process = null;
    }

    private static async Task<bool> AllListening(int[] ports)
    {
        foreach (var port in ports)
        {
            if (!await LocalProcesses.IsListeningAsync(port))
            {
                return false;
            }
        }

        return true;
    }
}
