namespace Serverless.Payments;

public enum ChargeStatus
{
    Charged,
    Declined,
    Refunded,
}

/// <summary>A customer's wallet. A charge is taken whole or declined; the balance never goes below zero.</summary>
public sealed record Wallet(string CustomerId, long BalanceCents)
{
    public bool CanPay(long amountCents) => amountCents > 0 && BalanceCents >= amountCents;

    public Wallet Charge(long amountCents) => CanPay(amountCents)
        ? this with { BalanceCents = BalanceCents - amountCents }
        : throw new InvalidOperationException("Insufficient balance.");

    public Wallet Refund(long amountCents) => this with { BalanceCents = BalanceCents + amountCents };
}
