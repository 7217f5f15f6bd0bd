namespace Serverless.EndToEndTests;

/// <summary>Ctrl+C on the local host: everything stops cleanly and nothing is lost.</summary>
public sealed class ShutdownTests
{
    /// <summary>
    /// Long enough for the Durable provider's leases to be taken and renewed. The task hub server and
    /// the AppHost used to stop the provider at the same time, and its lease manager then sometimes
    /// threw from a callback whose exception killed the process (exit 134, Azurite left behind); that
    /// race was intermittent (seen after 90 s, not after 40 or 65), so this guards the clean stop as a
    /// whole rather than reproducing it on demand.
    /// </summary>
    private static readonly TimeSpan RunningFor = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CtrlC_WhileOrdersComeIn_StopsEverything_WithExitCode0_AndLosesNothing()
    {
        await using var host = await AppHostProcess.StartAsync();
        using var shop = new ShopClient(host.Gateway);
        var started = DateTime.UtcNow;
        var sku = SystemFixture.NewSku("stop");
        await shop.PutStockAsync(sku, 5, 2m);
        await shop.SetBalanceAsync("bob", 20m);
        var orderId = await shop.PlaceAsync("bob", ShopClient.Order(sku, 1));
        Assert.Equal("Confirmed", (await shop.FinalAsync("bob", orderId)).Status);

        // Given a system that has been up as long as a user's session (leases taken and renewed), with orders still coming in
        string? last = null;
        while (DateTime.UtcNow - started < RunningFor)
        {
            last = await shop.PlaceAsync("bob", ShopClient.Order(sku, 1));
            await shop.FinalAsync("bob", last);
        }

        // When Ctrl+C
        var exitCode = await host.InterruptAsync(TimeSpan.FromSeconds(30));

        // Then it stopped by itself, cleanly, and took its Azurite along
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{host.Tail()}");
        Assert.Contains("Stopped", host.Tail(), StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", File.ReadAllText(host.LogFile), StringComparison.Ordinal);
        Assert.False(host.AzuriteRunning(), "Azurite is still running");

        // And after a restart every order is still there, as it was
        await host.StartAgainAsync();
        var orders = await shop.OrdersAsync("bob");
        Assert.Contains(orders, o => o.OrderId == orderId && o.Status == "Confirmed");
        Assert.Contains(orders, o => o.OrderId == last);
        Assert.Equal(5 - orders.Count(o => o.Status == "Confirmed"), (await shop.StockAsync(sku)).Available);
    }
}
