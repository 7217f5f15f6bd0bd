using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.Payments;
using Serverless.Payments.Charging;
using Serverless.Payments.ManagingWallets;

namespace Serverless.IntegrationTests.Payments.Charging;

/// <summary>
/// The charge and refund handlers with many writers on one wallet, on a real adapter: the
/// guarantees come from the store's version checks and operation ids, so each adapter runs this.
/// </summary>
public abstract class ConcurrentWalletContract
{
    /// <summary>Fresh, empty wallet and charge stores of one payments database.</summary>
    protected abstract Task<(IAggregateStore<Wallet> Wallets, IAggregateStore<Charge> Charges)> CreateStoresAsync();

    /// <summary>Every event the charge store saved (the outbox, or the <c>events</c> of the charge documents).</summary>
    protected abstract Task<IReadOnlyList<IntegrationEvent>> SavedChargeEventsAsync();

    [Fact]
    public async Task TwentyConcurrentCharges_OnAWalletForTen_ChargeTen_DeclineTen_NeverOverdraw_AndRefundingAllRestoresIt()
    {
        // Given a wallet of 100.00
        var (wallets, charges) = await CreateStoresAsync();
        var debits = new WalletDebits(wallets);
        var charging = new ChargePaymentHandler(charges, debits, TimeProvider.System, NullLogger<ChargePaymentHandler>.Instance);
        var refunding = new RefundPaymentHandler(charges, debits, TimeProvider.System, NullLogger<RefundPaymentHandler>.Instance);
        await new SetBalanceHandler(wallets).HandleAsync(new SetBalance("alice", 10_000));
        var orders = Enumerable.Range(1, 20).Select(i => $"order-{i:D2}").ToList();

        // When 20 orders charge 10.00 each at once, while a reader watches the balance
        using var done = new CancellationTokenSource();
        var lowest = Task.Run(async () =>
        {
            var min = long.MaxValue;
            while (!done.IsCancellationRequested)
            {
                min = Math.Min(min, (await wallets.LoadAsync("alice")).State!.BalanceCents);
            }

            return min;
        });
        var results = await Task.WhenAll(orders.Select(o => Task.Run(() => charging.HandleAsync(new ChargePayment(o, "alice", 1_000)))));
        await done.CancelAsync();

        // Then exactly 10 are charged and 10 declined, and the wallet is empty, never negative
        var charged = results.Where(c => c.Status == ChargeStatus.Charged).Select(c => c.OrderId).Order().ToList();
        Assert.Equal(10, charged.Count);
        Assert.Equal(10, results.Count(c => c.Status == ChargeStatus.Declined));
        Assert.Equal(0, (await wallets.LoadAsync("alice")).State!.BalanceCents);
        Assert.True(await lowest >= 0);

        // And when every order is refunded, at once
        var refunds = await Task.WhenAll(orders.Select(o => Task.Run(() => refunding.HandleAsync(new RefundPayment(o)))));

        // Then the charged ones are refunded, the declined stay declined, and the wallet holds 100.00 again
        Assert.Equal(charged, refunds.Where(c => c.Status == ChargeStatus.Refunded).Select(c => c.OrderId).Order());
        Assert.Equal(10_000, (await wallets.LoadAsync("alice")).State!.BalanceCents);

        // And each charge and refund was saved with exactly one event; a declined order with none
        var saved = (await SavedChargeEventsAsync()).Select(e => e.MessageId).Order().ToList();
        var expected = charged.SelectMany(o => new[] { $"payments:{o}:PaymentCharged", $"payments:{o}:PaymentRefunded" }).Order().ToList();
        Assert.Equal(expected, saved);
    }
}
