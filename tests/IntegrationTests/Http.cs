using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Serverless.IntegrationTests;

public sealed record ItemView(string Sku, int Available, int Reserved, decimal Price);

public sealed record AccountView(string CustomerId, decimal Balance);

/// <summary>Small helpers over raw HTTP: JSON in, status and body checks out.</summary>
public static class Http
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>A JSON body written as-is, for bodies a typed object cannot express (malformed, 3 decimals, ...).</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<T> ReadOkAsync<T>(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>Checks an RFC 9457 problem answer and returns its body.</summary>
    public static async Task<JsonElement> ReadProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    public static async Task<ItemView> PutStockAsync(this ServicesFixture services, string sku, int available, decimal price)
    {
        using var admin = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("admin"));
        using var response = await admin.PutAsJsonAsync($"api/inventory/{sku}", new { available, price });
        return await response.ReadOkAsync<ItemView>();
    }

    public static async Task<ItemView> GetStockAsync(this ServicesFixture services, string sku)
    {
        using var admin = services.ClientFor(ServicesFixture.Inventory, await services.TokenAsync("admin"));
        using var response = await admin.GetAsync($"api/inventory/{sku}");
        return await response.ReadOkAsync<ItemView>();
    }

    public static async Task<AccountView> PutBalanceAsync(this ServicesFixture services, string customerId, decimal balance)
    {
        using var admin = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("admin"));
        using var response = await admin.PutAsJsonAsync($"api/payments/accounts/{customerId}", new { balance });
        return await response.ReadOkAsync<AccountView>();
    }

    public static async Task<decimal> GetBalanceAsync(this ServicesFixture services, string customerId)
    {
        using var admin = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("admin"));
        using var response = await admin.GetAsync($"api/payments/accounts/{customerId}");
        return (await response.ReadOkAsync<AccountView>()).Balance;
    }
}
