using Dapper;
using Microsoft.Data.Sqlite;
using Serverless.BuildingBlocks.Data;

namespace Serverless.Inventory;

/// <summary>Inventory's own SQLite store. Every reservation change is one write transaction, idempotent per order.</summary>
public sealed class InventoryStore(SqliteDatabase db, TimeProvider clock)
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS items (
            sku TEXT PRIMARY KEY,
            available INTEGER NOT NULL CHECK (available >= 0),
            reserved INTEGER NOT NULL CHECK (reserved >= 0),
            price_cents INTEGER NOT NULL CHECK (price_cents > 0));
        CREATE TABLE IF NOT EXISTS reservations (
            order_id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            updated_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS reservation_lines (
            order_id TEXT NOT NULL,
            sku TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            PRIMARY KEY (order_id, sku));
        """;

    public async Task<StockLevel?> GetAsync(string sku)
    {
        await using var connection = db.Open();
        return await Find(connection, null, sku);
    }

    public Task<StockLevel> UpsertAsync(string sku, int available, long priceCents) =>
        db.WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(
                """
                INSERT INTO items (sku, available, reserved, price_cents) VALUES (@sku, @available, 0, @priceCents)
                ON CONFLICT (sku) DO UPDATE SET available = excluded.available, price_cents = excluded.price_cents
                """,
                new { sku, available, priceCents }, t);
            return (await Find(c, t, sku))!;
        });

    /// <summary>Reserves every line or none. A repeated call for the same order answers what the first did.</summary>
    public Task<ReservationStatus> ReserveAsync(string orderId, IReadOnlyList<OrderLine> lines) =>
        db.WriteAsync(async (c, t) =>
        {
            var existing = await Status(c, t, orderId);
            if (existing is not null)
            {
                return existing.Value;
            }

            var merged = StockLevel.Merge(lines);
            var levels = new List<StockLevel>();
            foreach (var line in merged)
            {
                var level = await Find(c, t, line.Sku);
                if (level is null || !level.CanReserve(line.Quantity))
                {
                    await SetStatus(c, t, orderId, ReservationStatus.Refused);
                    return ReservationStatus.Refused;
                }

                levels.Add(level.Reserve(line.Quantity));
            }

            foreach (var level in levels)
            {
                await Save(c, t, level);
            }

            foreach (var line in merged)
            {
                await c.ExecuteAsync("INSERT INTO reservation_lines (order_id, sku, quantity) VALUES (@orderId, @Sku, @Quantity)", new { orderId, line.Sku, line.Quantity }, t);
            }

            await SetStatus(c, t, orderId, ReservationStatus.Reserved);
            return ReservationStatus.Reserved;
        });

    /// <summary>Gives the order's units back. Releasing an unknown order leaves a tombstone so a late reserve cannot take stock.</summary>
    public Task<ReservationStatus> ReleaseAsync(string orderId) =>
        db.WriteAsync(async (c, t) =>
        {
            var status = await Status(c, t, orderId);
            if (status is ReservationStatus.Reserved or ReservationStatus.Committed)
            {
                foreach (var line in await Lines(c, t, orderId))
                {
                    var level = await Find(c, t, line.Sku);
                    if (level is not null)
                    {
                        await Save(c, t, level.Release(line.Quantity, wasCommitted: status == ReservationStatus.Committed));
                    }
                }
            }

            if (status is not ReservationStatus.Refused)
            {
                await SetStatus(c, t, orderId, ReservationStatus.Released);
            }

            return status is ReservationStatus.Refused ? ReservationStatus.Refused : ReservationStatus.Released;
        });

    /// <summary>Marks the order's reserved units as sold.</summary>
    public Task<ReservationStatus?> CommitAsync(string orderId) =>
        db.WriteAsync(async (c, t) =>
        {
            var status = await Status(c, t, orderId);
            if (status != ReservationStatus.Reserved)
            {
                return status;
            }

            foreach (var line in await Lines(c, t, orderId))
            {
                var level = await Find(c, t, line.Sku);
                if (level is not null)
                {
                    await Save(c, t, level.Commit(line.Quantity));
                }
            }

            await SetStatus(c, t, orderId, ReservationStatus.Committed);
            return (ReservationStatus?)ReservationStatus.Committed;
        });

    private static async Task<StockLevel?> Find(SqliteConnection c, SqliteTransaction? t, string sku)
    {
        var row = await c.QuerySingleOrDefaultAsync<ItemRow>(
            "SELECT sku AS Sku, available AS Available, reserved AS Reserved, price_cents AS PriceCents FROM items WHERE sku = @sku", new { sku }, t);
        return row is null ? null : new StockLevel(row.Sku, (int)row.Available, (int)row.Reserved, row.PriceCents);
    }

    private static Task Save(SqliteConnection c, SqliteTransaction t, StockLevel level) =>
        c.ExecuteAsync("UPDATE items SET available = @Available, reserved = @Reserved WHERE sku = @Sku", level, t);

    private static async Task<IEnumerable<OrderLine>> Lines(SqliteConnection c, SqliteTransaction t, string orderId) =>
        (await c.QueryAsync<ItemRow>("SELECT sku AS Sku, quantity AS Available FROM reservation_lines WHERE order_id = @orderId", new { orderId }, t))
            .Select(r => new OrderLine(r.Sku, (int)r.Available));

    private static async Task<ReservationStatus?> Status(SqliteConnection c, SqliteTransaction t, string orderId)
    {
        var status = await c.QuerySingleOrDefaultAsync<string>("SELECT status FROM reservations WHERE order_id = @orderId", new { orderId }, t);
        return status is null ? null : Enum.Parse<ReservationStatus>(status);
    }

    private Task SetStatus(SqliteConnection c, SqliteTransaction t, string orderId, ReservationStatus status) =>
        c.ExecuteAsync(
            """
            INSERT INTO reservations (order_id, status, updated_at) VALUES (@orderId, @status, @at)
            ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
            """,
            new { orderId, status = status.ToString(), at = clock.GetUtcNow().ToString("O") }, t);

    private sealed class ItemRow
    {
        public string Sku { get; set; } = "";
        public long Available { get; set; }
        public long Reserved { get; set; }
        public long PriceCents { get; set; }
    }
}
