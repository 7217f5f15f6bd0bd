using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using Azure.Core;

namespace Serverless.BuildingBlocks.Configuration;

/// <summary>One key-value as App Configuration's REST API returns it.</summary>
internal sealed record KeyValue(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("content_type")] string? ContentType,
    [property: JsonPropertyName("etag")] string? ETag);

/// <summary>
/// The two calls the provider needs from App Configuration's data-plane REST API (api-version 2023-11-01):
/// list key-values by key and label filter following <c>@nextLink</c>, and a conditional GET of one key.
/// </summary>
internal sealed class AppConfigurationClient : IDisposable
{
    private const string ApiVersion = "2023-11-01";

    private readonly HttpClient _http;
    private readonly Uri _endpoint;

    public AppConfigurationClient(Uri endpoint, TokenCredential credential, TimeProvider clock)
    {
        _endpoint = new Uri(endpoint.GetLeftPart(UriPartial.Authority) + "/");
        var scope = _endpoint.GetLeftPart(UriPartial.Authority) + "/.default";
        _http = AzureRestClient.Create(credential, scope, clock);
    }

    /// <summary>Every key-value whose key matches <paramref name="keyFilter"/> (App Configuration syntax) and whose label is exactly <paramref name="label"/>.</summary>
    public async Task<IReadOnlyList<KeyValue>> ListAsync(string keyFilter, string? label, CancellationToken cancellationToken)
    {
        var items = new List<KeyValue>();
        Uri? next = new(_endpoint, $"kv?key={Uri.EscapeDataString(keyFilter)}&label={LabelFilter(label)}&api-version={ApiVersion}");
        while (next is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.Accept.ParseAdd("application/vnd.microsoft.appconfig.kvset+json");
            using var response = await _http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            var page = await response.Content.ReadFromJsonAsync<KeyValuePage>(cancellationToken)
                ?? throw new InvalidOperationException("App Configuration returned an empty page.");
            items.AddRange(page.Items ?? []);
            next = page.NextLink is null ? null : SameStore(new Uri(_endpoint, page.NextLink));
        }

        return items;
    }

    /// <summary>The key's current ETag, asking the store to answer 304 if it is still <paramref name="knownETag"/>.</summary>
    public async Task<ETagCheck> CheckAsync(string key, string? label, string? knownETag, CancellationToken cancellationToken)
    {
        var query = label is null ? $"api-version={ApiVersion}" : $"label={Uri.EscapeDataString(label)}&api-version={ApiVersion}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_endpoint, $"kv/{Uri.EscapeDataString(key)}?{query}"));
        request.Headers.Accept.ParseAdd("application/vnd.microsoft.appconfig.kv+json");
        if (knownETag is not null)
        {
            request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{knownETag}\""));
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotModified:
                return new ETagCheck(Changed: false, knownETag);
            case HttpStatusCode.NotFound:
                return new ETagCheck(Changed: knownETag is not null, ETag: null);
            default:
                response.EnsureSuccessStatusCode();
                var current = await response.Content.ReadFromJsonAsync<KeyValue>(cancellationToken);
                var etag = current?.ETag ?? response.Headers.ETag?.Tag.Trim('"');
                return new ETagCheck(etag != knownETag, etag);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The null label is spelled <c>\0</c>; a label's own <c>*</c>, <c>,</c> and <c>\</c> are escaped.</summary>
    private static string LabelFilter(string? label) =>
        label is null ? "%00" : Uri.EscapeDataString(EscapeFilter(label));

    /// <summary>Makes a literal usable in a key or label filter.</summary>
    public static string EscapeFilter(string literal)
    {
        var escaped = new StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or ',' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    // A next link that left the store would carry the store's token elsewhere.
    private Uri SameStore(Uri next) =>
        Uri.Compare(next, _endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
            ? next
            : throw new InvalidOperationException("App Configuration returned a next link to another host.");

    private sealed record KeyValuePage(
        [property: JsonPropertyName("items")] IReadOnlyList<KeyValue>? Items,
        [property: JsonPropertyName("@nextLink")] string? NextLink);
}

/// <summary>Whether a watched key changed since it was last seen, and its ETag now (null when the key is gone).</summary>
internal sealed record ETagCheck(bool Changed, string? ETag);
