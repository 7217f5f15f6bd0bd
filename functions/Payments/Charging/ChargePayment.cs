using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage;

namespace Serverless.Payments.Charging;

/// <summary>The saga's charge step: take <see cref="AmountCents"/> from the customer's wallet for the order, once.</summary>
public sealed record ChargePayment(string OrderId, string CustomerId, long AmountCents)
{
    public const string Rules = "orderId, customerId (at most 255 characters, none of / \\ ? #) and an amount > 0 with at most 2 decimals are required.";

    /// <summary>The command, or null when the input breaks <see cref="Rules"/>.</summary>
    public static ChargePayment? Create(string? orderId, string? customerId, decimal? amount) =>
        StorageLimits.IsValidId(orderId) && StorageLimits.IsValidId(customerId) && amount is > 0 && Money.IsValidAmount(amount.Value)
            ? new ChargePayment(orderId!, customerId!, Money.ToCents(amount.Value))
            : null;
}

/// <summary>
/// Charges in three saves, each safe to repeat: the charge is recorded Pending, the wallet is
/// debited under the operation id <c>charge:{orderId}</c>, the charge becomes Charged with its
/// event. A repeat (or a retry after a crash between them) resumes where the last one stopped. A
/// refund that lands in between wins: the charge's final save then conflicts, the next attempt
/// finds the charge Refunded and gives the debit back.
/// </summary>
public sealed class ChargePaymentHandler(IAggregateStore<Charge> charges, WalletDebits debits, TimeProvider clock, ILogger<ChargePaymentHandler> logger)
{
    /// <summary>The charge as decided: Charged, Declined, or Refunded (a refund came first).</summary>
    public Task<Charge> HandleAsync(ChargePayment command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return AggregateStoreExtensions.RetryOnConflictAsync(() => AttemptAsync(command, cancellationToken));
    }

    private async Task<Charge> AttemptAsync(ChargePayment command, CancellationToken cancellationToken)
    {
        var loaded = await charges.LoadAsync(command.OrderId, cancellationToken: cancellationToken);
        if (loaded.State is { Status: not ChargeStatus.Pending } decided)
        {
            if (decided.UndoesDebit)
            {
                await debits.UndoDebitAsync(decided, cancellationToken);
            }

            return decided;
        }

        // A charge already pending (an earlier attempt) keeps its own customer and amount: the first request decides.
        var pending = loaded.State ?? Charge.Start(command.OrderId, command.CustomerId, command.AmountCents);
        if (!loaded.Exists)
        {
            loaded = loaded with { State = pending, Version = await charges.SaveAsync(loaded, pending, [], cancellationToken: cancellationToken) };
        }

        if (!await debits.DebitAsync(pending, cancellationToken))
        {
            var declined = pending.Decline();
            await charges.SaveAsync(loaded, declined, [], cancellationToken: cancellationToken);
            logger.LogInformation("Payment of {AmountCents} cents for order {OrderId} declined for {CustomerId}", pending.AmountCents, pending.OrderId, pending.CustomerId);
            return declined;
        }

        var (charged, events) = pending.Complete(clock.GetUtcNow());
        await charges.SaveAsync(loaded, charged, events, cancellationToken: cancellationToken);
        logger.LogInformation("Payment of {AmountCents} cents for order {OrderId} charged to {CustomerId}", pending.AmountCents, pending.OrderId, pending.CustomerId);
        return charged;
    }
}
