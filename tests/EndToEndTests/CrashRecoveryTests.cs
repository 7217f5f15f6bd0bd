namespace Serverless.EndToEndTests;

/// <summary>kill -9 of the whole local host with orders in flight: after a restart nothing is lost or doubled.</summary>
public sealed class CrashRecoveryTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("cosmos")]
    public async Task KillDuringSagas_ThenRestart_EveryOrderEndsFinal_AndStockAndWalletAreConsistent(string storage)
    {
        await using var host = await AppHostProcess.StartAsync(new Dictionary<string, string> { ["Storage__Provider"] = storage });
        using var shop = new ShopClient(host.Gateway);
        const int stock = 50;
        const decimal price = 4m, balance = 1000m;
        var sku = SystemFixture.NewSku("crash");
        await shop.PutStockAsync(sku, stock, price);
        await shop.SetBalanceAsync("alice", balance);

        // Given orders in flight
        var placed = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => shop.PlaceAsync("alice", ShopClient.Order(sku, 1 + (i % 3)))));

        // When the host dies without any shutdown code and comes back on the same data
        host.Kill();
        await host.StartAgainAsync();

        // Then every order the system knows of ends final, none is lost, and the books balance
        var orders = await shop.OrdersAsync("alice");
        Assert.Superset(placed.ToHashSet(), orders.Select(o => o.OrderId).ToHashSet());
        var final = await Task.WhenAll(orders.Select(o => shop.FinalAsync("alice", o.OrderId, TimeSpan.FromSeconds(150))));
        var sold = final.Where(o => o.Status == "Confirmed").Sum(o => o.Items.Sum(i => i.Quantity));
        var charged = final.Where(o => o.Status == "Confirmed").Sum(o => o.Total);
        var item = await shop.StockAsync(sku);
        Assert.Equal(stock - sold, item.Available);
        Assert.Equal(0, item.Reserved);
        Assert.Equal(balance - charged, await shop.BalanceAsync("alice"));
        Assert.Equal(placed.Length, final.Count(o => o.Status == "Confirmed"));
    }
}
