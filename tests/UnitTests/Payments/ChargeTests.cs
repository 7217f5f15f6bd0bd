using Serverless.Payments;

namespace Serverless.UnitTests.Payments;

public sealed class ChargeTests
{
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Start_IsPending_WithTheOrdersCustomerAndAmount()
    {
        Assert.Equal(new Charge("o-1", "alice", 2_550, ChargeStatus.Pending), Charge.Start("o-1", "alice", 2_550));
    }

    [Fact]
    public void Complete_OfPending_IsCharged_AndRaisesPaymentCharged()
    {
        // Given a pending charge of 25.50; When it completes
        var (charged, events) = Charge.Start("o-1", "alice", 2_550).Complete(At);

        // Then it is Charged and announces it once, in the envelope order history and notifications read
        Assert.Equal(ChargeStatus.Charged, charged.Status);
        var e = Assert.Single(events);
        Assert.Equal(("payments:o-1:PaymentCharged", "payments", "PaymentCharged", "o-1", "o-1", "o-1", At),
            (e.MessageId, e.Topic, e.Type, e.Subject, e.CorrelationId, e.CausationId, e.At));
        Assert.Equal(new PaymentEvent("o-1", "alice", 25.50m), e.DataAs<PaymentEvent>());
    }

    [Fact]
    public void Decline_OfPending_IsDeclined()
    {
        Assert.Equal(ChargeStatus.Declined, Charge.Start("o-1", "alice", 100).Decline().Status);
    }

    [Fact]
    public void Refund_OfCharged_IsRefunded_AndRaisesPaymentRefunded()
    {
        // Given a charged order; When it is refunded
        var (refunded, events) = Charge.Start("o-1", "alice", 4_000).Complete(At).State.Refund(At);

        // Then it is Refunded, announced with the amount given back
        Assert.Equal(ChargeStatus.Refunded, refunded.Status);
        var e = Assert.Single(events);
        Assert.Equal(("payments:o-1:PaymentRefunded", "PaymentRefunded"), (e.MessageId, e.Type));
        Assert.Equal(new PaymentEvent("o-1", "alice", 40m), e.DataAs<PaymentEvent>());
    }

    [Fact]
    public void Refund_OfPending_IsRefunded_WithoutAnEvent_AndUndoesAnyDebit()
    {
        // Given a charge still in flight; When it is refunded
        var (refunded, events) = Charge.Start("o-1", "alice", 4_000).Refund(At);

        // Then it is Refunded silently (its charge was never announced) and a debit of it must go back
        Assert.Equal(ChargeStatus.Refunded, refunded.Status);
        Assert.Empty(events);
        Assert.True(refunded.UndoesDebit);
    }

    [Fact]
    public void Tombstone_IsRefunded_ForNoCustomer_AndUndoesNothing()
    {
        var tombstone = Charge.Tombstone("o-1");

        Assert.Equal(new Charge("o-1", "", 0, ChargeStatus.Refunded), tombstone);
        Assert.False(tombstone.UndoesDebit);
    }

    [Fact]
    public void DecidedCharges_RefuseEveryFurtherTransition()
    {
        // Given a charge in each final state
        var charged = Charge.Start("o-1", "alice", 100).Complete(At).State;
        var declined = Charge.Start("o-1", "alice", 100).Decline();
        var refunded = charged.Refund(At).State;

        // Then none goes back, and only Charged can still be refunded
        Assert.Throws<InvalidOperationException>(() => charged.Complete(At));
        Assert.Throws<InvalidOperationException>(() => charged.Decline());
        Assert.Throws<InvalidOperationException>(() => declined.Complete(At));
        Assert.Throws<InvalidOperationException>(() => declined.Refund(At));
        Assert.Throws<InvalidOperationException>(() => refunded.Refund(At));
        Assert.Throws<InvalidOperationException>(() => refunded.Complete(At));
        Assert.Throws<InvalidOperationException>(() => refunded.Decline());
    }
}
