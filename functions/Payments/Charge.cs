using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Payments;

public enum ChargeStatus
{
    /// <summary>Decided to charge; the wallet may or may not have been debited yet (a charge in flight, or one that crashed mid-way).</summary>
    Pending,
    Charged,
    Declined,
    Refunded,
}

/// <summary>The data of <c>PaymentCharged</c> and <c>PaymentRefunded</c> (read by order history and notifications).</summary>
public sealed record PaymentEvent(string OrderId, string CustomerId, decimal Amount);

/// <summary>
/// One charge per order (aggregate id = the order id): the saga step's idempotency record and the
/// owner of the payments events. Pending → Charged | Declined | Refunded; Charged → Refunded.
/// A refund of an order never charged leaves a Refunded tombstone, so a late charge is refused.
/// </summary>
public sealed record Charge(string OrderId, string CustomerId, long AmountCents, ChargeStatus Status)
{
    public const string Topic = "payments";

    public static Charge Start(string orderId, string customerId, long amountCents) => new(orderId, customerId, amountCents, ChargeStatus.Pending);

    /// <summary>The refund of an order whose charge never arrived: no customer, nothing to give back.</summary>
    public static Charge Tombstone(string orderId) => new(orderId, "", 0, ChargeStatus.Refunded);

    /// <summary>A declined or refunded charge of a known customer: a debit of its order found in the wallet goes back.</summary>
    public bool UndoesDebit => (Status is ChargeStatus.Declined or ChargeStatus.Refunded) && CustomerId.Length > 0;

    public Charge Decline() => Status == ChargeStatus.Pending
        ? this with { Status = ChargeStatus.Declined }
        : throw Invalid(nameof(Decline));

    /// <summary>The wallet was debited: Charged, raising <c>PaymentCharged</c>.</summary>
    public (Charge State, IReadOnlyList<IntegrationEvent> Events) Complete(DateTimeOffset at)
    {
        var charged = Status == ChargeStatus.Pending ? this with { Status = ChargeStatus.Charged } : throw Invalid(nameof(Complete));
        return (charged, [charged.Event("PaymentCharged", at)]);
    }

    /// <summary>Refunded; only a completed charge raises <c>PaymentRefunded</c> (a pending one was never announced).</summary>
    public (Charge State, IReadOnlyList<IntegrationEvent> Events) Refund(DateTimeOffset at)
    {
        var refunded = Status is ChargeStatus.Pending or ChargeStatus.Charged ? this with { Status = ChargeStatus.Refunded } : throw Invalid(nameof(Refund));
        return (refunded, Status == ChargeStatus.Charged ? [refunded.Event("PaymentRefunded", at)] : []);
    }

    private IntegrationEvent Event(string type, DateTimeOffset at) =>
        IntegrationEvent.Create(Topic, type, OrderId, new PaymentEvent(OrderId, CustomerId, Money.FromCents(AmountCents)),
            at, correlationId: OrderId, causationId: OrderId, messageId: $"payments:{OrderId}:{type}");

    private InvalidOperationException Invalid(string transition) => new($"Charge for order {OrderId} is {Status}: cannot {transition}.");
}
