using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.Payments.Charging;

/// <summary>The saga's compensation of <see cref="ChargePayment"/>: give the order's money back, once.</summary>
public sealed record RefundPayment(string OrderId);

/// <summary>
/// Marks the charge Refunded first (so a charge still in flight cannot complete), then gives back
/// the wallet's debit for the order if it took one. Refunding an order never charged leaves a
/// tombstone, so a late charge is refused.
/// </summary>
public sealed class RefundPaymentHandler(IAggregateStore<Charge> charges, WalletDebits debits, TimeProvider clock, ILogger<RefundPaymentHandler> logger)
{
    public Task<Charge> HandleAsync(RefundPayment command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return AggregateStoreExtensions.RetryOnConflictAsync(() => AttemptAsync(command, cancellationToken));
    }

    private async Task<Charge> AttemptAsync(RefundPayment command, CancellationToken cancellationToken)
    {
        var loaded = await charges.LoadAsync(command.OrderId, cancellationToken: cancellationToken);
        if (loaded.State is not { } charge)
        {
            await charges.SaveAsync(loaded, Charge.Tombstone(command.OrderId), [], cancellationToken: cancellationToken);
            logger.LogInformation("Refund for order {OrderId} arrived before its charge: tombstone left", command.OrderId);
            return Charge.Tombstone(command.OrderId);
        }

        if (charge.Status is ChargeStatus.Pending or ChargeStatus.Charged)
        {
            (charge, var events) = charge.Refund(clock.GetUtcNow());
            await charges.SaveAsync(loaded, charge, events, cancellationToken: cancellationToken);
            logger.LogInformation("Payment of {AmountCents} cents for order {OrderId} refunded to {CustomerId}", charge.AmountCents, charge.OrderId, charge.CustomerId);
        }

        // Also for a charge refunded or declined before: a crash may have left its debit behind.
        if (charge.UndoesDebit)
        {
            await debits.UndoDebitAsync(charge, cancellationToken);
        }

        return charge;
    }
}
