using Xunit.Abstractions;

namespace Serverless.EndToEndTests;

/// <summary>Ctrl+C on the local host: everything stops cleanly and nothing is lost, even with sagas in flight.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    /// <summary>
    /// How long the process is up before Ctrl+C, counted from its launch: long enough for the Durable
    /// provider's leases to be taken and renewed (every 10 s by default). The task hub server and the
    /// AppHost used to stop the provider at the same time, and its lease manager then sometimes threw
    /// from a callback whose exception killed the process (exit 134, Azurite left behind); that race
    /// was intermittent (seen after 90 s, not after 40 or 65), so this guards the clean stop as a whole
    /// rather than reproducing it on demand.
    /// </summary>
    private static readonly TimeSpan RunningFor = TimeSpan.FromSeconds(30);

    private const int InFlight = 10;

    [Fact]
    public async Task CtrlC_WithSagasInFlight_StopsEverything_WithExitCode0_AndEveryOrderEndsConsistent_AfterARestart()
    {
        var launched = DateTime.UtcNow;
        await using var host = await AppHostProcess.StartAsync();
        output.WriteLine($"up after {(DateTime.UtcNow - launched).TotalSeconds:0.0} s");
        using var shop = new ShopClient(host.Gateway);
        var books = new Books(shop);
        var sku = await books.NewSkuAsync("stop", 50, 2m);
        await books.WalletAsync("bob", 100m);
        var warmUp = await books.PlaceAsync("bob", sku, 1);
        Assert.Equal("Confirmed", (await shop.FinalAsync("bob", warmUp)).Status);

        output.WriteLine($"warm-up order confirmed after {(DateTime.UtcNow - launched).TotalSeconds:0.0} s");

        // Given a system that has been up long enough for its leases to be renewed
        if (RunningFor - (DateTime.UtcNow - launched) is { Ticks: > 0 } rest)
        {
            await Task.Delay(rest);
        }

        // And 10 orders just answered 202, their sagas in flight (payments answer 2 s late; the switch lives in memory, so the restart has none)
        await shop.SetFaultAsync("payments", "slow");
        await books.PlaceManyAsync("bob", sku, InFlight);
        var atInterrupt = await books.CurrentAsync();
        Assert.True(atInterrupt.Count(o => !books.IsFinal(o)) > 0, "every order was already final: nothing was in flight at Ctrl+C");

        // When Ctrl+C, without waiting for them
        output.WriteLine($"Ctrl+C after {(DateTime.UtcNow - launched).TotalSeconds:0.0} s, {atInterrupt.Count(o => !books.IsFinal(o))} of {atInterrupt.Count} orders not final");
        var exitCode = await host.InterruptAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"stopped after {(DateTime.UtcNow - launched).TotalSeconds:0.0} s");

        // Then it stopped by itself, cleanly, and took its Azurite along, which exited by itself (its state saved)
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{host.Tail()}");
        Assert.Contains("Stopped", host.Tail(), StringComparison.Ordinal);
        var log = File.ReadAllText(host.LogFile);
        Assert.DoesNotContain("Unhandled exception", log, StringComparison.Ordinal);
        Assert.False(host.AzuriteRunning(), "Azurite is still running");
        Assert.False(
            log.Contains("of SIGINT; killing it", StringComparison.Ordinal),
            $"a local server had to be killed instead of exiting by itself after saving its state:\n{host.Tail()}");

        // And after a restart on the same data every order ends final, and stock, wallet, charges,
        // shipments, history and notifications agree with the final states
        await host.StartAgainAsync();
        output.WriteLine($"up again after {(DateTime.UtcNow - launched).TotalSeconds:0.0} s");
        output.WriteLine(await books.CheckAsync(TimeSpan.FromSeconds(120)));
        output.WriteLine($"checked after {(DateTime.UtcNow - launched).TotalSeconds:0.0} s");
    }
}
