using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Serverless.IntegrationTests.Shipping.BookingShipments;

[Collection(ServicesCollection.Name)]
public sealed class BookingShipmentsTests(ServicesFixture services)
{
    private static readonly TimeSpan ConfigDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Book_ToSupportedCountry_ReturnsCarrierAndTrackingNumber()
    {
        // Given the saga and an order to Korea
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();

        // When it books the shipment, twice (a retry)
        using var response = await BookAsync(saga, order, "KR");
        using var again = await BookAsync(saga, order, "KR");

        // Then it is booked with a carrier and tracking number, the same both times, and reads back so
        var booked = await response.ReadOkAsync<JsonElement>();
        Assert.Equal("Booked", booked.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(booked.GetProperty("carrier").GetString()));
        var tracking = booked.GetProperty("trackingNumber").GetString();
        Assert.False(string.IsNullOrEmpty(tracking));
        Assert.Equal(tracking, (await again.ReadOkAsync<JsonElement>()).GetProperty("trackingNumber").GetString());
        Assert.Equal("Booked", await StoredStatusAsync(order));
    }

    [Fact]
    public async Task Book_ToUnsupportedCountry_Is409ShippingUnavailable()
    {
        // Given the saga and an order to a country not in Shipping:SupportedCountries
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();

        // When it books the shipment
        using var response = await BookAsync(saga, order, "ZZ");

        // Then shipping is unavailable
        var problem = await response.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("/shipping-unavailable", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal("Unavailable", await StoredStatusAsync(order));
    }

    [Fact]
    public async Task Cancel_AfterBooking_MarksTheShipmentCancelled_AndALateBookingIsRefused()
    {
        // Given a booked shipment
        var order = ServicesFixture.NewId("order");
        using var saga = await SagaClientAsync();
        using var booked = await BookAsync(saga, order, "US");
        Assert.Equal(HttpStatusCode.OK, booked.StatusCode);

        // When the order's shipment is cancelled
        using var cancelled = await saga.PostAsync($"api/shipping/shipments/{order}/cancel", null);

        // Then it is Cancelled, stays so, and booking it again is refused as already compensated
        Assert.Equal("Cancelled", (await cancelled.ReadOkAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("Cancelled", await StoredStatusAsync(order));
        using var rebook = await BookAsync(saga, order, "US");
        var problem = await rebook.ReadProblemAsync(HttpStatusCode.Conflict);
        Assert.EndsWith("/already-compensated", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Book_AsCustomer_Is403_AndBooksNothing()
    {
        // Given a customer's token
        var order = ServicesFixture.NewId("order");
        using var alice = services.ClientFor(ServicesFixture.Shipping, await services.TokenAsync("alice"));

        // When the customer calls the saga's booking endpoint directly
        using var response = await BookAsync(alice, order, "KR");

        // Then the answer is 403 and no shipment exists
        await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        using var admin = await AdminClientAsync();
        using var read = await admin.GetAsync($"api/shipping/shipments/{order}");
        await read.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SupportedCountries_ChangedAtRunTime_TakeEffectWithoutRestart()
    {
        using var saga = await SagaClientAsync();
        try
        {
            // Given the config store now also lists ZZ
            await services.WriteSettingsAsync(new { Shipping = new { SupportedCountries = "KR,US,GB,DE,FR,JP,ZZ" } });

            // When new orders to ZZ are booked until the change is seen
            var booked = await BookUntilAsync(saga, "ZZ", HttpStatusCode.OK);

            // Then one is booked before the deadline
            Assert.Equal("Booked", booked.GetProperty("status").GetString());
        }
        finally
        {
            // And once the store is reset, ZZ is refused again (keeps the other tests' default)
            await services.WriteSettingsAsync(new { });
            await BookUntilAsync(saga, "ZZ", HttpStatusCode.Conflict);
        }
    }

    /// <summary>Books a new order to <paramref name="country"/> until the answer is <paramref name="expected"/> (each order is decided once, so each try is a new order).</summary>
    private static async Task<JsonElement> BookUntilAsync(HttpClient saga, string country, HttpStatusCode expected)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await BookAsync(saga, ServicesFixture.NewId("order"), country);
            if (response.StatusCode == expected)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.True(deadline.Elapsed < ConfigDeadline, $"Still {(int)response.StatusCode} for {country} after {ConfigDeadline.TotalSeconds} s.");
            await Task.Delay(100);
        }
    }

    private async Task<HttpClient> SagaClientAsync() =>
        services.ClientFor(ServicesFixture.Shipping, await services.ServiceTokenAsync());

    private async Task<HttpClient> AdminClientAsync() =>
        services.ClientFor(ServicesFixture.Shipping, await services.TokenAsync("admin"));

    private static Task<HttpResponseMessage> BookAsync(HttpClient client, string orderId, string country) =>
        client.PostAsJsonAsync("api/shipping/shipments", new { orderId, country });

    /// <summary>Read back as an admin: the saga's token books and cancels, it does not read (that is <c>shipping.read</c>).</summary>
    private async Task<string?> StoredStatusAsync(string orderId)
    {
        using var admin = await AdminClientAsync();
        using var response = await admin.GetAsync($"api/shipping/shipments/{orderId}");
        return (await response.ReadOkAsync<JsonElement>()).GetProperty("status").GetString();
    }
}
