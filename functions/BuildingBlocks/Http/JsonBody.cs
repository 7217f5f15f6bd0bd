using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Serverless.BuildingBlocks.Http;

/// <summary>Reads a JSON request body with the API's limits; bad input becomes a problem result.</summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// camelCase, case-insensitive names; numbers only as JSON numbers. The web defaults also read a number
    /// from a string (<c>"quantity":"1"</c>), which API.md's types do not allow: a string where a number
    /// belongs is a 400 like any other wrong type.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.Strict };

    public static async Task<(T? Value, IActionResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken = default)
        where T : class
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, Problems.PayloadTooLarge());
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, Problems.PayloadTooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (null, Problems.BadRequest("A JSON body is required."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), Options);
            return value is null ? (null, Problems.BadRequest("A JSON object is required.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, Problems.Validation(field, "The value is not valid JSON for this field."));
        }
    }
}
