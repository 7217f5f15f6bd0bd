using System.Diagnostics;
using Microsoft.Playwright;

namespace Serverless.EndToEndTests.WebUi;

/// <summary>
/// One headless Chromium for the web UI tests: Debian's <c>chromium</c> (CHROMIUM_PATH, else on PATH),
/// installed by scripts/install-browser.sh when missing, so <c>dotnet test</c> on a fresh clone works as
/// root. Playwright drives it; its own browser builds are never downloaded.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: artifacts/screenshots/ at the repository root.</summary>
    public static string Screenshots { get; } = Path.Combine(AppHostProcess.RepoRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        var executable = Find() ?? await InstallAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Chromium's sandbox refuses to run as root (CI containers).
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
        Directory.CreateDirectory(Screenshots);
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured && File.Exists(configured))
        {
            return configured;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "chromium"))
            .FirstOrDefault(File.Exists);
    }

    private static async Task<string> InstallAsync()
    {
        var script = Path.Combine(AppHostProcess.RepoRoot(), "scripts", "install-browser.sh");
        using var install = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = install.StandardOutput.ReadToEndAsync();
        var error = install.StandardError.ReadToEndAsync();
        await install.WaitForExitAsync();
        return install.ExitCode == 0 && Find() is { } installed
            ? installed
            : throw new InvalidOperationException($"No chromium for the web UI tests, and {script} could not install it (exit {install.ExitCode}): {await error}{await output}");
    }
}
