using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Payments;

public sealed record PaymentEvent(string OrderId, string CustomerId, decimal Amount);

public sealed record Charge(string OrderId, string CustomerId, long AmountCents, ChargeStatus Status);

/// <summary>Payments' own SQLite store: wallets and one charge per order (idempotent per order).</summary>
public sealed class PaymentsStore(SqliteDatabase db, TimeProvider clock)
{
    public const string Topic = "payments";

    public static readonly string Schema = """
        CREATE TABLE IF NOT EXISTS wallets (
            customer_id TEXT PRIMARY KEY,
            balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0));
        CREATE TABLE IF NOT EXISTS charges (
            order_id TEXT PRIMARY KEY,
            customer_id TEXT NOT NULL,
            amount_cents INTEGER NOT NULL,
            status TEXT NOT NULL,
            updated_at TEXT NOT NULL);
        """.WithMessaging();

    public async Task<Wallet?> GetWalletAsync(string customerId)
    {
        await using var c = db.Open();
        return await FindWallet(c, null, customerId);
    }

    public Task<Wallet> SetBalanceAsync(string customerId, long balanceCents) =>
        db.WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(
                "INSERT INTO wallets (customer_id, balance_cents) VALUES (@customerId, @balanceCents) ON CONFLICT (customer_id) DO UPDATE SET balance_cents = excluded.balance_cents",
                new { customerId, balanceCents }, t);
            return new Wallet(customerId, balanceCents);
        });

    public async Task<Charge?> GetChargeAsync(string orderId)
    {
        await using var c = db.Open();
        return await FindCharge(c, null, orderId);
    }

    /// <summary>Charges the wallet once per order; a repeated call answers what the first did.</summary>
    public Task<Charge> ChargeAsync(string orderId, string customerId, long amountCents) =>
        db.WriteAsync(async (c, t) =>
        {
            var existing = await FindCharge(c, t, orderId);
            if (existing is not null)
            {
                return existing;
            }

            var wallet = await FindWallet(c, t, customerId);
            if (wallet is null || !wallet.CanPay(amountCents))
            {
                return await SaveCharge(c, t, new Charge(orderId, customerId, amountCents, ChargeStatus.Declined));
            }

            await SaveWallet(c, t, wallet.Charge(amountCents));
            var charged = await SaveCharge(c, t, new Charge(orderId, customerId, amountCents, ChargeStatus.Charged));
            await Publish(c, t, charged, "PaymentCharged");
            return charged;
        });

    /// <summary>Refunds a charged order once. Refunding an unknown order leaves a tombstone so a late charge is refused.</summary>
    public Task<Charge> RefundAsync(string orderId) =>
        db.WriteAsync(async (c, t) =>
        {
            var existing = await FindCharge(c, t, orderId);
            switch (existing)
            {
                case null:
                    return await SaveCharge(c, t, new Charge(orderId, "", 0, ChargeStatus.Refunded));
                case { Status: ChargeStatus.Charged }:
                    var wallet = await FindWallet(c, t, existing.CustomerId) ?? new Wallet(existing.CustomerId, 0);
                    await SaveWallet(c, t, wallet.Refund(existing.AmountCents));
                    var refunded = await SaveCharge(c, t, existing with { Status = ChargeStatus.Refunded });
                    await Publish(c, t, refunded, "PaymentRefunded");
                    return refunded;
                default:
                    return existing;
            }
        });

    /// <summary>Payments' own events, through its outbox in the same transaction as the wallet change.</summary>
    private Task Publish(SqliteConnection c, SqliteTransaction t, Charge charge, string type) =>
        Outbox.AddAsync(c, t, IntegrationEvent.Create(Topic, type, charge.OrderId,
            new PaymentEvent(charge.OrderId, charge.CustomerId, Serverless.BuildingBlocks.Http.Money.FromCents(charge.AmountCents)),
            clock.GetUtcNow(), correlationId: charge.OrderId, causationId: charge.OrderId, messageId: $"payments:{charge.OrderId}:{type}"));

    private static async Task<Wallet?> FindWallet(SqliteConnection c, SqliteTransaction? t, string customerId)
    {
        var balance = await c.QuerySingleOrDefaultAsync<long?>("SELECT balance_cents FROM wallets WHERE customer_id = @customerId", new { customerId }, t);
        return balance is null ? null : new Wallet(customerId, balance.Value);
    }

    private static Task SaveWallet(SqliteConnection c, SqliteTransaction t, Wallet wallet) =>
        c.ExecuteAsync(
            "INSERT INTO wallets (customer_id, balance_cents) VALUES (@CustomerId, @BalanceCents) ON CONFLICT (customer_id) DO UPDATE SET balance_cents = excluded.balance_cents",
            wallet, t);

    private static async Task<Charge?> FindCharge(SqliteConnection c, SqliteTransaction? t, string orderId)
    {
        var row = await c.QuerySingleOrDefaultAsync<ChargeRow>(
            "SELECT order_id AS OrderId, customer_id AS CustomerId, amount_cents AS AmountCents, status AS Status FROM charges WHERE order_id = @orderId", new { orderId }, t);
        return row is null ? null : new Charge(row.OrderId, row.CustomerId, row.AmountCents, Enum.Parse<ChargeStatus>(row.Status));
    }

    private async Task<Charge> SaveCharge(SqliteConnection c, SqliteTransaction t, Charge charge)
    {
        await c.ExecuteAsync(
            """
            INSERT INTO charges (order_id, customer_id, amount_cents, status, updated_at) VALUES (@OrderId, @CustomerId, @AmountCents, @Status, @At)
            ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
            """,
            new { charge.OrderId, charge.CustomerId, charge.AmountCents, Status = charge.Status.ToString(), At = clock.GetUtcNow().ToString("O") }, t);
        return charge;
    }

    private sealed class ChargeRow
    {
        public string OrderId { get; set; } = "";
        public string CustomerId { get; set; } = "";
        public long AmountCents { get; set; }
        public string Status { get; set; } = "";
    }
}
