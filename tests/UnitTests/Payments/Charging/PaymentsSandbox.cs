using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Payments;
using Serverless.Payments.Charging;
using Serverless.UnitTests.Storage;

namespace Serverless.UnitTests.Payments.Charging;

/// <summary>The payments handlers on in-memory stores, with the shortcuts the tests share.</summary>
public sealed class PaymentsSandbox
{
    public PaymentsSandbox()
    {
        var debits = new WalletDebits(Wallets);
        Charging = new ChargePaymentHandler(Charges, debits, TimeProvider.System, NullLogger<ChargePaymentHandler>.Instance);
        Refunding = new RefundPaymentHandler(Charges, debits, TimeProvider.System, NullLogger<RefundPaymentHandler>.Instance);
    }

    public InMemoryAggregateStore<Wallet> Wallets { get; } = new();

    public InMemoryAggregateStore<Charge> Charges { get; } = new();

    public ChargePaymentHandler Charging { get; }

    public RefundPaymentHandler Refunding { get; }

    public async Task<string> WalletAsync(long balanceCents, string customerId = "alice")
    {
        await Wallets.SaveAsync(await Wallets.LoadAsync(customerId), new Wallet(customerId, balanceCents), []);
        return customerId;
    }

    public long Balance(string customerId = "alice") => Wallets[customerId]!.BalanceCents;

    public Task<Charge> ChargeAsync(string orderId, long amountCents, string customerId = "alice") =>
        Charging.HandleAsync(new ChargePayment(orderId, customerId, amountCents));

    public Task<Charge> RefundAsync(string orderId) => Refunding.HandleAsync(new RefundPayment(orderId));

    /// <summary>The message ids of every event saved, in order.</summary>
    public IReadOnlyList<string> EventIds => Charges.Events.Select(e => e.MessageId).ToList();
}
