using Serverless.Payments;
using Serverless.Payments.Charging;

namespace Serverless.UnitTests.Payments.Charging;

public sealed class ChargePaymentTests
{
    private readonly PaymentsSandbox _payments = new();

    [Fact]
    public async Task FundedWallet_IsCharged_DebitedOnce_AndAnnouncedOnce()
    {
        // Given a wallet of 100.00
        await _payments.WalletAsync(10_000);

        // When order o-1 is charged 30.25
        var charge = await _payments.ChargeAsync("o-1", 3_025);

        // Then it is Charged, the wallet holds 69.75, and PaymentCharged was saved with the charge
        Assert.Equal(new Charge("o-1", "alice", 3_025, ChargeStatus.Charged), charge);
        Assert.Equal(charge, _payments.Charges["o-1"]);
        Assert.Equal(6_975, _payments.Balance());
        Assert.Equal(["payments:o-1:PaymentCharged"], _payments.EventIds);
    }

    [Fact]
    public async Task Repeated_AnswersTheFirstCharge_WithoutDebitingOrAnnouncingAgain()
    {
        // Given order o-1 charged 30.00 from a wallet of 100.00
        await _payments.WalletAsync(10_000);
        await _payments.ChargeAsync("o-1", 3_000);

        // When the saga retries the charge (even with another amount)
        var again = await _payments.ChargeAsync("o-1", 5_000);

        // Then the first charge is the answer; the wallet paid once; one event
        Assert.Equal(new Charge("o-1", "alice", 3_000, ChargeStatus.Charged), again);
        Assert.Equal(7_000, _payments.Balance());
        Assert.Single(_payments.EventIds);
    }

    [Fact]
    public async Task BeyondTheBalance_IsDeclined_WalletUnchanged_NothingAnnounced_AndStaysDeclined()
    {
        // Given a wallet of 10.00
        await _payments.WalletAsync(1_000);

        // When 10.01 is charged, then retried after a top-up
        var declined = await _payments.ChargeAsync("o-1", 1_001);
        await _payments.WalletAsync(5_000);
        var again = await _payments.ChargeAsync("o-1", 1_001);

        // Then it was declined once and for all: nothing taken, no event
        Assert.Equal(ChargeStatus.Declined, declined.Status);
        Assert.Equal(ChargeStatus.Declined, again.Status);
        Assert.Equal(5_000, _payments.Balance());
        Assert.Empty(_payments.EventIds);
    }

    [Fact]
    public async Task CustomerWithoutWallet_IsDeclined_AndNoWalletIsCreated()
    {
        var charge = await _payments.ChargeAsync("o-1", 100, customerId: "nobody");

        Assert.Equal(ChargeStatus.Declined, charge.Status);
        Assert.Null(_payments.Wallets["nobody"]);
        Assert.Empty(_payments.EventIds);
    }

    [Fact]
    public async Task AfterARefundTombstone_IsRefused_AndTheWalletIsUntouched()
    {
        // Given a wallet of 50.00 and a refund that overtook the order's charge
        await _payments.WalletAsync(5_000);
        await _payments.RefundAsync("o-1");

        // When the late charge arrives
        var late = await _payments.ChargeAsync("o-1", 2_000);

        // Then it answers Refunded (already compensated), takes nothing and announces nothing
        Assert.Equal(ChargeStatus.Refunded, late.Status);
        Assert.Equal(5_000, _payments.Balance());
        Assert.Empty(_payments.EventIds);
    }

    [Fact]
    public async Task RefundLandingBetweenTheDebitAndTheChargesFinalSave_Wins_AndTheWalletEndsAsBefore()
    {
        // Given a wallet of 100.00, and a refund of o-1 that will land right after the wallet is debited
        await _payments.WalletAsync(10_000);
        Charge? refunded = null;
        _payments.Wallets.BeforeSave = _ =>
        {
            _payments.Charges.BeforeSave = async _ => refunded = await _payments.RefundAsync("o-1");
            return Task.CompletedTask;
        };

        // When o-1 is charged 40.00
        var charge = await _payments.ChargeAsync("o-1", 4_000);

        // Then the refund won: both answer Refunded, the wallet is exactly as before, nothing was announced
        Assert.Equal(ChargeStatus.Refunded, refunded!.Status);
        Assert.Equal(ChargeStatus.Refunded, charge.Status);
        Assert.Equal(ChargeStatus.Refunded, _payments.Charges["o-1"]!.Status);
        Assert.Equal(10_000, _payments.Balance());
        Assert.Empty(_payments.EventIds);
    }

    [Fact]
    public async Task RefundLandingBeforeTheDebit_Wins_AndTheDebitGoesBack()
    {
        // Given a wallet of 100.00, and a refund of o-1 that lands after o-1 is pending, just before the debit
        await _payments.WalletAsync(10_000);
        _payments.Wallets.BeforeSave = async _ => await _payments.RefundAsync("o-1");

        // When o-1 is charged 40.00
        var charge = await _payments.ChargeAsync("o-1", 4_000);

        // Then the charge answers Refunded and the debit it made anyway was given back, once
        Assert.Equal(ChargeStatus.Refunded, charge.Status);
        Assert.Equal(10_000, _payments.Balance());
        Assert.Empty(_payments.EventIds);
    }

    [Fact]
    public async Task CrashAfterTheDebit_ThenRetried_DebitsOnce_AndAnnouncesOnce()
    {
        // Given a wallet of 100.00 and a process that dies right after debiting it for o-1
        await _payments.WalletAsync(10_000);
        _payments.Wallets.BeforeSave = _ =>
        {
            _payments.Charges.BeforeSave = _ => throw new IOException("process died");
            return Task.CompletedTask;
        };
        await Assert.ThrowsAsync<IOException>(() => _payments.ChargeAsync("o-1", 2_500));
        Assert.Equal(ChargeStatus.Pending, _payments.Charges["o-1"]!.Status);
        Assert.Equal(7_500, _payments.Balance());

        // When the saga retries the charge
        var charge = await _payments.ChargeAsync("o-1", 2_500);

        // Then it completes without a second debit, with one PaymentCharged
        Assert.Equal(ChargeStatus.Charged, charge.Status);
        Assert.Equal(7_500, _payments.Balance());
        Assert.Equal(["payments:o-1:PaymentCharged"], _payments.EventIds);
    }

    [Fact]
    public async Task ConcurrentOrdersOfOneWallet_NeverOverdraw()
    {
        // Given a wallet of 100.00
        await _payments.WalletAsync(10_000);

        // When 20 orders each charge 10.00 at once
        var charges = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => _payments.ChargeAsync($"o-{i}", 1_000))));

        // Then exactly 10 are charged (each announced once), 10 declined, and the wallet is empty
        Assert.Equal(10, charges.Count(c => c.Status == ChargeStatus.Charged));
        Assert.Equal(10, charges.Count(c => c.Status == ChargeStatus.Declined));
        Assert.Equal(0, _payments.Balance());
        Assert.Equal(charges.Where(c => c.Status == ChargeStatus.Charged).Select(c => $"payments:{c.OrderId}:PaymentCharged").Order(), _payments.EventIds.Order());
    }

    [Theory]
    [InlineData(null, "alice", 1.00)]
    [InlineData("o-1", " ", 1.00)]
    [InlineData("o/1", "alice", 1.00)]
    [InlineData("o-1", "alice", 0.00)]
    [InlineData("o-1", "alice", 1.001)]
    public void Create_WithInvalidInput_IsNull(string? orderId, string? customerId, double amount)
    {
        Assert.Null(ChargePayment.Create(orderId, customerId, (decimal)amount));
    }

    [Fact]
    public void Create_HoldsTheAmountInCents()
    {
        Assert.Equal(new ChargePayment("o-1", "alice", 3_025), ChargePayment.Create("o-1", "alice", 30.25m));
    }
}
