using System.Net.Http.Json;
using System.Text.Json;

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

    [Fact]
    public async Task EachService_KeepsItsOwnSqliteFile_InTheDataFolder()
    {
        // Given inventory, payments and shipping have each stored something
        await services.PutStockAsync(ServicesFixture.NewId("db"), 1, 1m);
        await services.PutBalanceAsync(ServicesFixture.NewId("db"), 1m);
        using var shipping = services.ClientFor(ServicesFixture.Shipping, await services.ServiceTokenAsync());
        using var booked = await shipping.PostAsJsonAsync("api/shipping/shipments", new { orderId = ServicesFixture.NewId("db"), country = "KR" });
        await booked.ReadOkAsync<JsonElement>();

        // When the fixture's data folder is looked at
        var files = new[] { "inventory", "payments", "shipping" }.Select(s => Path.Combine(services.DataDirectory, s, s + ".db"));

        // Then each service has a database file of its own there (database per service)
        Assert.All(files, f => Assert.True(File.Exists(f), f));
    }
}
