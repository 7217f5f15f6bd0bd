using Serverless.Payments;

namespace Serverless.UnitTests.Payments.Charging;

public sealed class RefundPaymentTests
{
    private readonly PaymentsSandbox _payments = new();

    [Fact]
    public async Task AfterCharge_RestoresTheWallet_AndAnnouncesOnce_EvenWhenRepeated()
    {
        // Given a wallet of 100.00 charged 40.00 for o-1
        await _payments.WalletAsync(10_000);
        await _payments.ChargeAsync("o-1", 4_000);

        // When o-1 is refunded twice (a retry)
        var first = await _payments.RefundAsync("o-1");
        var second = await _payments.RefundAsync("o-1");

        // Then both answer Refunded, the wallet is back to 100.00 (not 140.00), and each event was saved once
        Assert.Equal(new Charge("o-1", "alice", 4_000, ChargeStatus.Refunded), first);
        Assert.Equal(first, second);
        Assert.Equal(10_000, _payments.Balance());
        Assert.Equal(["payments:o-1:PaymentCharged", "payments:o-1:PaymentRefunded"], _payments.EventIds);
    }

    [Fact]
    public async Task OfUnknownOrder_LeavesATombstone()
    {
        var refunded = await _payments.RefundAsync("o-1");

        Assert.Equal(Charge.Tombstone("o-1"), refunded);
        Assert.Equal(Charge.Tombstone("o-1"), _payments.Charges["o-1"]);
        Assert.Empty(_payments.EventIds);
    }

    [Fact]
    public async Task OfDeclinedCharge_AnswersDeclined_AndChangesNothing()
    {
        // Given o-1 declined on a wallet of 10.00
        await _payments.WalletAsync(1_000);
        await _payments.ChargeAsync("o-1", 5_000);

        // When o-1 is refunded
        var answer = await _payments.RefundAsync("o-1");

        // Then it stays declined, nothing moves, nothing is announced
        Assert.Equal(ChargeStatus.Declined, answer.Status);
        Assert.Equal(1_000, _payments.Balance());
        Assert.Empty(_payments.EventIds);
    }

    [Fact]
    public async Task OfAChargeThatCrashedAfterTheDebit_GivesTheDebitBack_Silently_AndALateRetryTakesNothing()
    {
        // Given o-1 pending with its wallet already debited 25.00 (the charging process died)
        await _payments.WalletAsync(10_000);
        _payments.Wallets.BeforeSave = _ =>
        {
            _payments.Charges.BeforeSave = _ => throw new IOException("process died");
            return Task.CompletedTask;
        };
        await Assert.ThrowsAsync<IOException>(() => _payments.ChargeAsync("o-1", 2_500));

        // When the saga compensates, then the charge is retried late
        var refunded = await _payments.RefundAsync("o-1");
        var late = await _payments.ChargeAsync("o-1", 2_500);

        // Then the money is back once, both answer Refunded, and no charge or refund was ever announced
        Assert.Equal(ChargeStatus.Refunded, refunded.Status);
        Assert.Equal(ChargeStatus.Refunded, late.Status);
        Assert.Equal(10_000, _payments.Balance());
        Assert.Empty(_payments.EventIds);
    }

    [Fact]
    public async Task ConcurrentRefundsOfOneCharge_GiveBackOnce()
    {
        // Given o-1 charged 40.00 from 100.00
        await _payments.WalletAsync(10_000);
        await _payments.ChargeAsync("o-1", 4_000);

        // When eight refunds of o-1 arrive at once
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _payments.RefundAsync("o-1"))));

        // Then the wallet got 40.00 back once, and PaymentRefunded was saved once
        Assert.Equal(10_000, _payments.Balance());
        Assert.Equal(1, _payments.EventIds.Count(id => id == "payments:o-1:PaymentRefunded"));
    }
}
