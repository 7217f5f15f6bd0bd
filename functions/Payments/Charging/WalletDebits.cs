using Serverless.BuildingBlocks.Storage;

namespace Serverless.Payments.Charging;

/// <summary>
/// A charge's money movements on its customer's wallet, each at most once per order: the wallet
/// and the charge are two aggregates (two partitions in Cosmos, no transaction across them), so
/// the wallet remembers which orders it was debited and refunded for (operation ids).
/// </summary>
public sealed class WalletDebits(IAggregateStore<Wallet> wallets)
{
    public static string DebitOf(string orderId) => $"charge:{orderId}";

    public static string RefundOf(string orderId) => $"refund:{orderId}";

    /// <summary>Debits the charge's amount once; false when the wallet is missing or cannot pay (and was not debited for this order before).</summary>
    public Task<bool> DebitAsync(Charge charge, CancellationToken cancellationToken = default) =>
        AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            var wallet = await wallets.LoadAsync(charge.CustomerId, DebitOf(charge.OrderId), cancellationToken);
            if (wallet.OperationApplied)
            {
                return true;
            }

            if (wallet.State is not { } state || !state.CanPay(charge.AmountCents))
            {
                return false;
            }

            await wallets.SaveAsync(wallet, state.Charge(charge.AmountCents), [], DebitOf(charge.OrderId), cancellationToken);
            return true;
        });

    /// <summary>Gives back the order's debit if the wallet took one and has not given it back yet.</summary>
    public Task UndoDebitAsync(Charge charge, CancellationToken cancellationToken = default) =>
        AggregateStoreExtensions.RetryOnConflictAsync(async () =>
        {
            // Debit first: operations are never removed, so once seen it stays true at the later
            // version the refund is checked and saved at.
            var debited = await wallets.LoadAsync(charge.CustomerId, DebitOf(charge.OrderId), cancellationToken);
            if (!debited.OperationApplied)
            {
                return false;
            }

            var wallet = await wallets.LoadAsync(charge.CustomerId, RefundOf(charge.OrderId), cancellationToken);
            if (wallet.OperationApplied)
            {
                return false;
            }

            await wallets.SaveAsync(wallet, wallet.State!.Refund(charge.AmountCents), [], RefundOf(charge.OrderId), cancellationToken);
            return true;
        });
}
