using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Domain;
using Serverless.Orders.PlacingOrder;

namespace Serverless.Orders.Saga;

/// <summary>A participant's answer: yes, or a business refusal. Anything else (5xx, timeouts, down) throws and is retried.</summary>
public sealed record ParticipantAnswer(bool Ok, string? ProblemType = null, JsonElement? Body = null);

/// <summary>Inventory: pricing for placement (the <see cref="IPriceList"/>) and the saga's stock steps.</summary>
public sealed class InventoryClient(HttpClient http) : IPriceList
{
    public async Task<decimal?> PriceAsync(string sku, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/inventory/{Uri.EscapeDataString(sku)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var item = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return item.GetProperty("price").GetDecimal();
    }

    public Task<ParticipantAnswer> ReserveAsync(string orderId, IEnumerable<OrderLine> items) =>
        http.SendForAnswerAsync("api/inventory/reservations", new { orderId, items = items.Select(i => new { i.Sku, i.Quantity }) });

    public Task<ParticipantAnswer> CommitAsync(string orderId) => http.SendForAnswerAsync($"api/inventory/reservations/{orderId}/commit", null);

    public Task<ParticipantAnswer> ReleaseAsync(string orderId) => http.SendForAnswerAsync($"api/inventory/reservations/{orderId}/release", null);
}

public sealed class PaymentsClient(HttpClient http)
{
    public Task<ParticipantAnswer> ChargeAsync(string orderId, string customerId, decimal amount) =>
        http.SendForAnswerAsync("api/payments/charges", new { orderId, customerId, amount });

    public Task<ParticipantAnswer> RefundAsync(string orderId) => http.SendForAnswerAsync($"api/payments/charges/{orderId}/refund", null);
}

public sealed class ShippingClient(HttpClient http)
{
    public Task<ParticipantAnswer> BookAsync(string orderId, string country) =>
        http.SendForAnswerAsync("api/shipping/shipments", new { orderId, country });

    public Task<ParticipantAnswer> CancelAsync(string orderId) => http.SendForAnswerAsync($"api/shipping/shipments/{orderId}/cancel", null);
}

internal static class ParticipantHttp
{
    /// <summary>POSTs and maps the answer: 2xx is yes, 409 with a problem type is a business refusal, anything else throws.</summary>
    public static async Task<ParticipantAnswer> SendForAnswerAsync(this HttpClient http, string path, object? body)
    {
        using var response = await http.PostAsJsonAsync(path, body ?? new { });
        if (response.IsSuccessStatusCode)
        {
            return new ParticipantAnswer(true, Body: await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            var type = problem.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type is ProblemTypes.OutOfStock or ProblemTypes.PaymentDeclined or ProblemTypes.ShippingUnavailable or ProblemTypes.AlreadyCompensated)
            {
                return new ParticipantAnswer(false, type);
            }
        }

        throw new HttpRequestException($"{http.BaseAddress}{path} answered {(int)response.StatusCode}.", null, response.StatusCode);
    }
}
