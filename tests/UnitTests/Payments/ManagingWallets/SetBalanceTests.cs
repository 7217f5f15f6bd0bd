using Serverless.Payments;
using Serverless.Payments.ManagingWallets;
using Serverless.UnitTests.Storage;

namespace Serverless.UnitTests.Payments.ManagingWallets;

public sealed class SetBalanceTests
{
    private readonly InMemoryAggregateStore<Wallet> _wallets = new();

    [Fact]
    public async Task ForANewCustomer_OpensTheWallet()
    {
        var wallet = await new SetBalanceHandler(_wallets).HandleAsync(new SetBalance("alice", 12_345));

        Assert.Equal(new Wallet("alice", 12_345), wallet);
        Assert.Equal(wallet, _wallets["alice"]);
    }

    [Fact]
    public async Task ForAnExistingWallet_ReplacesTheBalance_EvenWhenAnotherWriterSavedFirst()
    {
        // Given alice has 10.00, and a charge of 3.00 that lands while the admin sets 50.00
        await _wallets.SaveAsync(await _wallets.LoadAsync("alice"), new Wallet("alice", 1_000), []);
        _wallets.BeforeSave = async loaded => await _wallets.SaveAsync(loaded, loaded.State!.Charge(300), []);

        // When the admin sets 50.00
        var wallet = await new SetBalanceHandler(_wallets).HandleAsync(new SetBalance("alice", 5_000));

        // Then the admin's balance is the one kept (decided again on the fresh wallet)
        Assert.Equal(new Wallet("alice", 5_000), wallet);
        Assert.Equal(5_000, _wallets["alice"]!.BalanceCents);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    public void CustomerId_ThatCannotKeyAWallet_IsInvalid(string customerId)
    {
        Assert.False(SetBalance.IsValidCustomerId(customerId));
        Assert.False(SetBalance.IsValidCustomerId(new string('x', 129)));
        Assert.True(SetBalance.IsValidCustomerId("alice"));
    }
}
