using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Serverless.IntegrationTests;

[Collection(ServicesCollection.Name)]
public sealed class HostingTests(ServicesFixture services)
{
    [Theory]
    [InlineData(ServicesFixture.Identity)]
    [InlineData(ServicesFixture.Inventory)]
    [InlineData(ServicesFixture.Payments)]
    [InlineData(ServicesFixture.Shipping)]
    public async Task Health_OfEachServiceWithoutDurable_IsHealthy(string service)
    {
        // Given a service started on the local host without a Durable backend
        using var client = services.ClientFor(service);

        // When its health is probed
        using var response = await client.GetAsync("health");

        // Then it is healthy
        Assert.Equal("Healthy", (await response.ReadOkAsync<JsonElement>()).GetProperty("status").GetString());
    }

    /// <summary>The messaging tables every service's database has (<c>WithMessaging</c>): the same names, each service's own rows.</summary>
    private static readonly string[] MessagingTables = ["feed_checkpoints", "inbox", "outbox"];

    [Fact]
    public async Task EachService_KeepsItsOwnSqliteDatabase_AndNoOtherServiceHoldsItsData()
    {
        // Given inventory, payments and shipping have each stored something identifiable: a SKU, a wallet, a shipment
        var sku = ServicesFixture.NewId("db-sku");
        var wallet = ServicesFixture.NewId("db-wallet");
        var shipment = ServicesFixture.NewId("db-order");
        await services.PutStockAsync(sku, 1, 1m);
        await services.PutBalanceAsync(wallet, 1m);
        using var shipping = services.ClientFor(ServicesFixture.Shipping, await services.ServiceTokenAsync());
        using var booked = await shipping.PostAsJsonAsync("api/shipping/shipments", new { orderId = shipment, country = "KR" });
        await booked.ReadOkAsync<JsonElement>();
        var owners = new Dictionary<string, string>
        {
            [sku] = ServicesFixture.Inventory, [wallet] = ServicesFixture.Payments, [shipment] = ServicesFixture.Shipping,
        };

        // When every SQLite database in the fixture's data folder is read, read-only, table by table
        var databases = Directory.GetFiles(services.DataDirectory, "*.db", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f), ReadDatabase, StringComparer.Ordinal);

        // Then each of the three has its own file, <service>/<service>.db
        foreach (var service in owners.Values)
        {
            Assert.True(File.Exists(Path.Combine(services.DataDirectory, service, service + ".db")), $"{service} has no database of its own");
        }

        // And each id is in its owner's database and in no other service's
        foreach (var (id, owner) in owners)
        {
            var holders = databases.Where(d => d.Value.Text.Any(t => t.Contains(id, StringComparison.Ordinal))).Select(d => d.Key).Order(StringComparer.Ordinal);
            Assert.Equal([owner], holders);
        }

        // And beyond the shared messaging tables they keep different things: the three share the generic
        // aggregate store's tables, so what differs is the aggregate kinds, each held by one database only
        var kinds = owners.Values.ToDictionary(s => s, s => databases[s].Kinds);
        foreach (var service in owners.Values)
        {
            Assert.NotEmpty(kinds[service]);
            Assert.Superset(MessagingTables.ToHashSet(StringComparer.Ordinal), databases[service].Tables.ToHashSet(StringComparer.Ordinal));
            foreach (var other in owners.Values.Where(o => o != service))
            {
                Assert.True(!kinds[service].Intersect(kinds[other]).Any(), $"{service} and {other} both hold aggregates of kind {string.Join(", ", kinds[service].Intersect(kinds[other]))}");
            }
        }
    }

    /// <summary>A database's tables, its aggregate kinds (if it has the aggregate store), and every text or blob value in it.</summary>
    private static (string[] Tables, string[] Kinds, List<string> Text) ReadDatabase(string file)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        var tables = Column(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
        var kinds = tables.Contains("aggregates") ? Column(connection, "SELECT DISTINCT kind FROM aggregates ORDER BY kind") : [];
        var text = new List<string>();
        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    switch (reader.GetValue(i))
                    {
                        case string value:
                            text.Add(value);
                            break;
                        case byte[] bytes:
                            text.Add(System.Text.Encoding.UTF8.GetString(bytes));
                            break;
                    }
                }
            }
        }

        return (tables, kinds, text);
    }

    private static string[] Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return [.. values];
    }
}
