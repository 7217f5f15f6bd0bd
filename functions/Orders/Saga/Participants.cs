using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Serverless.Orders.Domain;
using Serverless.Orders.PlacingOrder;

namespace Serverless.Orders.Saga;

/// <summary>
/// A participant's answer, classified by <see cref="ParticipantAnswers.Classify"/>: done, a business refusal, or a
/// permanent failure. A transient one (5xx, 408, 429, timeouts, down) never becomes an answer: it throws and is retried.
/// </summary>
public sealed record ParticipantAnswer(AnswerKind Kind, int Status, string? ProblemType = null, JsonElement? Body = null)
{
    public bool Ok => Kind == AnswerKind.Done;

    /// <summary>The problem's type and detail, for logs.</summary>
    public string Problem =>
        $"{ProblemType ?? "(no problem type)"} {(Body is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("detail", out var d) ? d.ToString() : "")}".TrimEnd();
}

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
    /// <summary>POSTs and classifies the answer; a transient one throws, so the activity fails and the saga retries it.</summary>
    public static async Task<ParticipantAnswer> SendForAnswerAsync(this HttpClient http, string path, object? body)
    {
        using var response = await http.PostAsJsonAsync(path, body ?? new { });
        var content = await ReadJsonAsync(response.Content);
        var type = content is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : null;
        var status = (int)response.StatusCode;
        var kind = ParticipantAnswers.Classify(status, response.IsSuccessStatusCode ? null : type);
        return kind == AnswerKind.Transient
            ? throw new HttpRequestException($"{http.BaseAddress}{path} answered {status}.", null, response.StatusCode)
            : new ParticipantAnswer(kind, status, kind == AnswerKind.Done ? null : type, content);
    }

    /// <summary>The body as JSON, or null when there is none or it is not JSON (a proxy's HTML page, an empty 401).</summary>
    private static async Task<JsonElement?> ReadJsonAsync(HttpContent content)
    {
        var text = await content.ReadAsStringAsync();
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
