using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Serverless.AppHost;

namespace Serverless.IntegrationTests.Hosting;

/// <summary>
/// How the AppHost stops a local server (Azurite, the Cosmos server): SIGINT, then a kill once it has
/// exited, said it saved, or overrun its graceful time; only the overrun is a warning. Real node
/// processes, each a few lines of script.
/// </summary>
public sealed class LocalProcessesTests
{
    [Fact]
    public async Task AServerThatExitsOnSigint_StopsByItself_WithoutAWarning()
    {
        var (process, _) = Start("process.on('SIGINT', () => process.exit(0)); setInterval(() => {}, 1000); console.log('up');");
        var logger = new ListLogger();

        await LocalProcesses.StopAsync(process, logger, "server");

        Assert.True(process.HasExited);
        Assert.Equal(0, process.ExitCode);
        Assert.Empty(logger.Warnings);
    }

    [Fact]
    public async Task AServerThatSavesButStaysAlive_IsEndedAsSoonAsItSaysSo_WithoutAWarning()
    {
        // Given a server that saves on SIGINT, says so, and then lingers (as Azurite does while a client keeps an idle connection)
        var (process, saved) = Start("process.on('SIGINT', () => console.log('saved')); setInterval(() => {}, 1000); console.log('up');");
        var logger = new ListLogger();
        var clock = Stopwatch.StartNew();

        await LocalProcesses.StopAsync(process, logger, "server", saved);

        Assert.True(process.HasExited);
        Assert.NotEqual(0, process.ExitCode); // ended by the kill, not by itself
        Assert.True(clock.Elapsed < LocalProcesses.GracefulStop, $"took {clock.Elapsed}: it waited out the graceful time");
        Assert.Empty(logger.Warnings);
    }

    [Fact]
    public async Task AServerThatNeitherExitsNorSaves_IsKilledAfterItsGracefulTime_WithAWarningNamingIt()
    {
        var (process, saved) = Start("process.on('SIGINT', () => {}); setInterval(() => {}, 1000); console.log('up');");
        var logger = new ListLogger();
        var clock = Stopwatch.StartNew();

        await LocalProcesses.StopAsync(process, logger, "the stubborn server", saved);

        Assert.True(process.HasExited);
        Assert.True(clock.Elapsed >= LocalProcesses.GracefulStop - TimeSpan.FromMilliseconds(100), $"killed after {clock.Elapsed}");
        var warning = Assert.Single(logger.Warnings);
        Assert.Contains("the stubborn server did not exit", warning, StringComparison.Ordinal);
    }

    /// <summary>Starts node on <paramref name="script"/> and waits for its "up"; the task completes on its "saved".</summary>
    private static (Process Process, Task Saved) Start(string script)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(script);
        var process = Process.Start(start)!;
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var saved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "up")
            {
                up.TrySetResult();
            }
            else if (e.Data == "saved")
            {
                saved.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        up.Task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        return (process, saved.Task);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                lock (Warnings)
                {
                    Warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
