using Serverless.Payments;

namespace Serverless.UnitTests.Payments;

public sealed class WalletTests
{
    [Fact]
    public void Charge_TakesTheWholeAmount()
    {
        // Given a wallet with 100.00
        var wallet = new Wallet("alice", 10_000);

        // When 25.50 is charged
        var after = wallet.Charge(2_550);

        // Then 74.50 is left
        Assert.Equal(new Wallet("alice", 7_450), after);
    }

    [Fact]
    public void Charge_OfTheWholeBalance_LeavesZero()
    {
        // Given 10.00; When 10.00 is charged; Then the balance is exactly zero
        Assert.Equal(0, new Wallet("alice", 1_000).Charge(1_000).BalanceCents);
    }

    [Fact]
    public void Charge_BeyondBalance_IsDeclined_AndBalanceUnchanged()
    {
        // Given 10.00
        var wallet = new Wallet("alice", 1_000);

        // When 10.01 is charged
        var canPay = wallet.CanPay(1_001);
        Assert.Throws<InvalidOperationException>(() => wallet.Charge(1_001));

        // Then it is declined whole, nothing is taken
        Assert.False(canPay);
        Assert.Equal(1_000, wallet.BalanceCents);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-500)]
    public void Charge_ZeroOrNegative_IsDeclined(long amountCents)
    {
        // Given a funded wallet; When a non-positive amount is charged; Then it is declined (no sneaky top-up)
        var wallet = new Wallet("alice", 1_000);

        Assert.False(wallet.CanPay(amountCents));
        Assert.Throws<InvalidOperationException>(() => wallet.Charge(amountCents));
    }

    [Fact]
    public void Refund_AfterCharge_RestoresTheBalanceExactly()
    {
        // Given a wallet charged 30.00
        var charged = new Wallet("alice", 5_000).Charge(3_000);

        // When the charge is refunded
        var refunded = charged.Refund(3_000);

        // Then the wallet is as it was before the order
        Assert.Equal(new Wallet("alice", 5_000), refunded);
    }

    [Fact]
    public void SetBalance_ReplacesTheBalance()
    {
        // Given a new wallet; When its balance is set to 12.34; Then it holds exactly that
        Assert.Equal(new Wallet("alice", 1_234), Wallet.Open("alice").SetBalance(1_234));
    }

    [Fact]
    public void SetBalance_BelowZero_IsRefused()
    {
        // Given a wallet; When a negative balance is set; Then it is refused
        Assert.Throws<ArgumentOutOfRangeException>(() => new Wallet("alice", 1_000).SetBalance(-1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-500)]
    public void Refund_ZeroOrNegative_IsRefused(long amountCents)
    {
        // Given a wallet; When a non-positive amount is refunded; Then it is refused (no sneaky debit)
        Assert.Throws<ArgumentOutOfRangeException>(() => new Wallet("alice", 1_000).Refund(amountCents));
    }
}
