using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Serverless.AppHost.LocalFunctions;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Http;

namespace Serverless.AppHost.Gateway;

/// <summary>
/// Operations that exist in local mode only: fault switches per service and writes to the local
/// config store (the watched settings file every service reads at run time).
/// </summary>
public static class LocalOperations
{
    private static readonly Lock SettingsLock = new();

    public static void Map(RouteGroupBuilder ops, FaultSwitchboard faults, string settingsFile)
    {
        // The switches as they are now, so an operator (and the dashboard) sees what is set, not what it last set.
        ops.MapGet("/faults", () => Results.Ok(faults.Services.Order(StringComparer.Ordinal)
            .ToDictionary(service => service, service => faults.ModeOf(service).ToString().ToLowerInvariant())));

        ops.MapPut("/faults/{service}", async (string service, HttpRequest request) =>
        {
            var value = await ReadString(request, "mode");
            if (value.Problem is not null)
            {
                return value.Problem;
            }

            if (!Enum.TryParse<FaultMode>(value.Text, ignoreCase: true, out var mode) || !Enum.IsDefined(mode) || int.TryParse(value.Text, out _))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["mode"] = ["mode must be \"down\", \"slow\" or \"none\"."] });
            }

            return faults.TrySet(service, mode)
                ? Results.NoContent()
                : Results.Problem(statusCode: 404, title: "Not found", detail: $"No service '{service}'. Services: {string.Join(", ", faults.Services)}.");
        });

        ops.MapGet("/config", () =>
        {
            try
            {
                return Results.Ok(Read(settingsFile));
            }
            catch (JsonException ex)
            {
                return Results.Problem(statusCode: 409, title: "The config store cannot be read",
                    detail: $"The settings file {Path.GetFileName(settingsFile)} is not valid JSON ({ex.Message}).");
            }
        });

        ops.MapPut("/config/{key}", async (string key, HttpRequest request) =>
        {
            var value = await ReadString(request, "value");
            if (value.Problem is not null)
            {
                return value.Problem;
            }

            var segments = key.Split(':');
            if (segments.Any(s => s.Length == 0 || !s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.')))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["key"] = ["key is ':'-separated names of letters, digits, '_', '-' or '.'."] });
            }

            try
            {
                Write(settingsFile, segments, value.Text!);
            }
            catch (JsonException ex)
            {
                // Never overwrite what cannot be read: the services keep its last good values until it is fixed.
                return Results.Problem(statusCode: 409, title: "The config store cannot be read",
                    detail: $"The settings file {Path.GetFileName(settingsFile)} is not valid JSON ({ex.Message}); fix or delete it, then write again.");
            }

            return Results.NoContent();
        });
    }

    public const string Mask = "********";

    /// <summary>Every value of the settings file, by its ':'-separated key, in key order; secrets masked (<see cref="Masked"/>).</summary>
    public static IReadOnlyList<ConfigValue> Read(string settingsFile)
    {
        var values = new List<ConfigValue>();
        void Walk(JsonNode? node, string key)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (name, child) in obj)
                    {
                        Walk(child, key.Length == 0 ? name : key + ":" + name);
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(array[i], key + ":" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }

                    break;
                default:
                    values.Add(Masked(key, node is JsonValue v && v.TryGetValue<string>(out var text) ? text : node?.ToJsonString()));
                    break;
            }
        }

        lock (SettingsLock)
        {
            if (File.Exists(settingsFile))
            {
                Walk(JsonNode.Parse(File.ReadAllText(settingsFile)), "");
            }
        }

        return [.. values.OrderBy(v => v.Key, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The value as shown: masked when the key names a secret (the log store's rule, <see cref="Telemetry.LogRedactor.IsSecretKey"/>), whatever the value.</summary>
    public static ConfigValue Masked(string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var secret = Telemetry.LogRedactor.IsSecretKey(key);
        return new ConfigValue(key, secret ? Mask : value, secret);
    }

    /// <summary>Sets one value in the settings file, replacing the file whole so a reader never sees half of it.</summary>
    public static void Write(string settingsFile, string[] segments, string value)
    {
        lock (SettingsLock)
        {
            var root = !File.Exists(settingsFile) ? new JsonObject()
                : JsonNode.Parse(File.ReadAllText(settingsFile)) as JsonObject ?? throw new JsonException("The file's root is not a JSON object.");
            var node = root;
            foreach (var segment in segments[..^1])
            {
                if (node[segment] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[segment] = child;
                }

                node = child;
            }

            node[segments[^1]] = value;
            var temp = settingsFile + ".tmp";
            File.WriteAllText(temp, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temp, settingsFile, overwrite: true);
        }
    }

    private static async Task<(string? Text, IResult? Problem)> ReadString(HttpRequest request, string field)
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, JsonBody.Options, request.HttpContext.RequestAborted);
            if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return (value.GetString(), null);
            }
        }
        catch (JsonException)
        {
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // a chunked body that went over the gateway's limit while being read
            return (null, Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: $"Request bodies are limited to {JsonBody.MaxBytes / 1024} KiB."));
        }

        return (null, Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"A JSON body with a string \"{field}\" is required."] }));
    }
}

/// <summary>One value of the local config store, as <c>GET /ops/config</c> lists it.</summary>
public sealed record ConfigValue(string Key, string? Value, bool Masked);
