using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Serverless.AppHost;

/// <summary>What the AppHost's local servers (Azurite, the Cosmos DB server) share: npm setup, a port probe, a graceful stop.</summary>
public static class LocalProcesses
{
    /// <summary>Whether something accepts connections on the loopback <paramref name="port"/> (within half a second).</summary>
    public static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromMilliseconds(500));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>How long a local server has to exit by itself after SIGINT before it is killed.</summary>
    public static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(5);

    /// <summary>
    /// SIGINT first, so the server saves what it keeps in memory (Azurite's metadata, the Cosmos
    /// server's journal), then a kill of its whole tree once it has exited, or has said that it saved
    /// (<paramref name="saved"/>), or after <see cref="GracefulStop"/>: only that last case is a warning,
    /// because what the server had not saved by then is lost.
    /// </summary>
    /// <param name="saved">
    /// Completes when the server reports its state saved. Azurite does, then may stay alive until
    /// every client closes its idle keep-alive connections (it half-closes them and waits), and the
    /// Azure SDK's shared HTTP transport outlives the components that used it.
    /// </param>
    public static async Task StopAsync(Process? process, ILogger logger, string name, Task? saved = null)
    {
        if (process is not { HasExited: false })
        {
            return;
        }

        var savedFirst = false;
        if (!OperatingSystem.IsWindows())
        {
            _ = Interrupt(process.Id, 2 /* SIGINT */);
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(exited, saved ?? Task.Delay(Timeout.Infinite), Task.Delay(GracefulStop));
            savedFirst = first == saved && !exited.IsCompleted;
        }

        if (!process.HasExited)
        {
            if (savedFirst)
            {
                logger.LogDebug("{Server} saved its state; ending its process, which waits for idle client connections", name);
            }
            else
            {
                logger.LogWarning("{Server} did not exit within {Seconds} s of SIGINT; killing it", name, GracefulStop.TotalSeconds);
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Runs a setup command (such as <c>npm ci</c>) to completion; throws on a non-zero exit.</summary>
    public static async Task RunAsync(string file, string arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = workingDirectory, UseShellExecute = false })
            ?? throw new InvalidOperationException($"{file} did not start.");
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {arguments}' failed with exit code {process.ExitCode}.");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Interrupt(int pid, int signal);
}
