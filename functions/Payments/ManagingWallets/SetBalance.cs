using Serverless.BuildingBlocks.Storage;

namespace Serverless.Payments.ManagingWallets;

/// <summary>An admin sets a customer's balance (opening the wallet if there is none).</summary>
public sealed record SetBalance(string CustomerId, long BalanceCents)
{
    public const int MaxCustomerIdLength = 128;

    public static bool IsValidCustomerId(string? customerId) => StorageLimits.IsValidId(customerId) && customerId!.Length <= MaxCustomerIdLength;
}

public sealed class SetBalanceHandler(IAggregateStore<Wallet> wallets)
{
    public Task<Wallet> HandleAsync(SetBalance command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var loaded = await wallets.LoadAsync(command.CustomerId, cancellationToken: cancellationToken);
            var wallet = (loaded.State ?? Wallet.Open(command.CustomerId)).SetBalance(command.BalanceCents);
            await wallets.SaveAsync(loaded, wallet, [], cancellationToken: cancellationToken);
            return wallet;
        });
    }
}
