using System.Diagnostics;

namespace Serverless.EndToEndTests;

/// <summary>
/// <c>scripts/smoke-test.sh</c>, which the deploy and nightly workflows run against API Management,
/// run here against the local gateway: the script is proven, not only written.
/// </summary>
[Collection("system")]
public sealed class SmokeTestScriptTests(SystemFixture system)
{
    [Fact]
    public async Task SmokeTest_AgainstTheLocalGateway_ReportsTheOrderConfirmed()
    {
        // Given the running system and the local demo users (the script's defaults)
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = AppHostProcess.RepoRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("scripts/smoke-test.sh");
        start.ArgumentList.Add(system.Host.Gateway.ToString());
        start.Environment["SMOKE_TIMEOUT_SECONDS"] = "90";

        // When the smoke test runs
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        // Then it placed an order and saw it confirmed
        var log = await output + await errors;
        Assert.True(process.ExitCode == 0, log);
        Assert.Matches(@"smoke: order \S+ Confirmed", await output);
    }
}
