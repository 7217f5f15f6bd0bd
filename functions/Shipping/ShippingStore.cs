using Dapper;
using Serverless.BuildingBlocks.Data;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Shipping;

public enum ShipmentStatus
{
    Booked,
    Unavailable,
    Cancelled,
}

public sealed record ShipmentEvent(string OrderId, string? Carrier, string? TrackingNumber);

public sealed record Shipment(string OrderId, string Country, string? Carrier, string? TrackingNumber, ShipmentStatus Status);

/// <summary>Shipping's own SQLite store: one shipment per order (idempotent per order).</summary>
public sealed class ShippingStore(SqliteDatabase db, ShippingPolicy policy, TimeProvider clock)
{
    public const string Carrier = "LocalPost";

    public const string Topic = "shipping";

    public static readonly string Schema = """
        CREATE TABLE IF NOT EXISTS shipments (
            order_id TEXT PRIMARY KEY,
            country TEXT NOT NULL,
            carrier TEXT NULL,
            tracking_number TEXT NULL,
            status TEXT NOT NULL,
            updated_at TEXT NOT NULL);
        """.WithMessaging();

    public async Task<Shipment?> GetAsync(string orderId)
    {
        await using var c = db.Open();
        return await Find(c, null, orderId);
    }

    /// <summary>Books once per order; a repeated call answers what the first did.</summary>
    public Task<Shipment> BookAsync(string orderId, string country) =>
        db.WriteAsync(async (c, t) =>
        {
            var existing = await Find(c, t, orderId);
            if (existing is not null)
            {
                return existing;
            }

            var shipment = policy.Ships(country)
                ? new Shipment(orderId, country, Carrier, TrackingNumber(orderId), ShipmentStatus.Booked)
                : new Shipment(orderId, country, null, null, ShipmentStatus.Unavailable);
            await Save(c, t, shipment);
            if (shipment.Status == ShipmentStatus.Booked)
            {
                await Publish(c, t, shipment, "ShipmentBooked");
            }

            return shipment;
        });

    /// <summary>Cancels once. Cancelling an unknown order leaves a tombstone so a late booking is refused.</summary>
    public Task<Shipment> CancelAsync(string orderId) =>
        db.WriteAsync(async (c, t) =>
        {
            var existing = await Find(c, t, orderId);
            if (existing is { Status: ShipmentStatus.Cancelled or ShipmentStatus.Unavailable })
            {
                return existing;
            }

            var cancelled = (existing ?? new Shipment(orderId, "", null, null, ShipmentStatus.Cancelled)) with { Status = ShipmentStatus.Cancelled };
            await Save(c, t, cancelled);
            if (existing is { Status: ShipmentStatus.Booked })
            {
                await Publish(c, t, cancelled, "ShipmentCancelled");
            }

            return cancelled;
        });

    /// <summary>Shipping's own events, through its outbox in the same transaction as the shipment change.</summary>
    private Task Publish(Microsoft.Data.Sqlite.SqliteConnection c, Microsoft.Data.Sqlite.SqliteTransaction t, Shipment s, string type) =>
        Outbox.AddAsync(c, t, IntegrationEvent.Create(Topic, type, s.OrderId, new ShipmentEvent(s.OrderId, s.Carrier, s.TrackingNumber),
            clock.GetUtcNow(), correlationId: s.OrderId, causationId: s.OrderId, messageId: $"shipping:{s.OrderId}:{type}"));

    private static string TrackingNumber(string orderId) =>
        "LP" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(orderId)))[..12];

    private static async Task<Shipment?> Find(Microsoft.Data.Sqlite.SqliteConnection c, Microsoft.Data.Sqlite.SqliteTransaction? t, string orderId)
    {
        var row = await c.QuerySingleOrDefaultAsync<Row>(
            "SELECT order_id AS OrderId, country AS Country, carrier AS Carrier, tracking_number AS TrackingNumber, status AS Status FROM shipments WHERE order_id = @orderId",
            new { orderId }, t);
        return row is null ? null : new Shipment(row.OrderId, row.Country, row.Carrier, row.TrackingNumber, Enum.Parse<ShipmentStatus>(row.Status));
    }

    private Task Save(Microsoft.Data.Sqlite.SqliteConnection c, Microsoft.Data.Sqlite.SqliteTransaction t, Shipment s) =>
        c.ExecuteAsync(
            """
            INSERT INTO shipments (order_id, country, carrier, tracking_number, status, updated_at) VALUES (@OrderId, @Country, @Carrier, @TrackingNumber, @Status, @At)
            ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
            """,
            new { s.OrderId, s.Country, s.Carrier, s.TrackingNumber, Status = s.Status.ToString(), At = clock.GetUtcNow().ToString("O") }, t);

    private sealed class Row
    {
        public string OrderId { get; set; } = "";
        public string Country { get; set; } = "";
        public string? Carrier { get; set; }
        public string? TrackingNumber { get; set; }
        public string Status { get; set; } = "";
    }
}
