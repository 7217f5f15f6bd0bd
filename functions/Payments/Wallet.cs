namespace Serverless.Payments;

/// <summary>
/// A customer's wallet (aggregate id = the customer id). A charge is taken whole or declined; the
/// balance never goes below zero. Which order a charge or refund belongs to is not the wallet's
/// concern: the handlers save each with an operation id (<c>charge:{orderId}</c>, <c>refund:{orderId}</c>)
/// so each happens once per order.
/// </summary>
public sealed record Wallet(string CustomerId, long BalanceCents)
{
    public static Wallet Open(string customerId) => new(customerId, 0);

    public bool CanPay(long amountCents) => amountCents > 0 && BalanceCents >= amountCents;

    public Wallet SetBalance(long balanceCents) => balanceCents >= 0
        ? this with { BalanceCents = balanceCents }
        : throw new ArgumentOutOfRangeException(nameof(balanceCents), balanceCents, "A balance is never below zero.");

    public Wallet Charge(long amountCents) => CanPay(amountCents)
        ? this with { BalanceCents = BalanceCents - amountCents }
        : throw new InvalidOperationException("Insufficient balance.");

    public Wallet Refund(long amountCents) => amountCents > 0
        ? this with { BalanceCents = BalanceCents + amountCents }
        : throw new ArgumentOutOfRangeException(nameof(amountCents), amountCents, "A refund gives back a positive amount.");
}
