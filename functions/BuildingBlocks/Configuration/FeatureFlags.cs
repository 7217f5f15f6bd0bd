using System.Globalization;
using System.Text.Json;

namespace Serverless.BuildingBlocks.Configuration;

/// <summary>
/// App Configuration feature flags (<c>.appconfig.featureflag/{name}</c>, JSON value) in the shape
/// Microsoft.FeatureManagement reads from the <c>FeatureManagement</c> section: <c>FeatureManagement:Beta = true</c>
/// for on/off flags, <c>FeatureManagement:Beta:EnabledFor:0:Name</c> and <c>…:Parameters:…</c> for flags with filters.
/// </summary>
internal static class FeatureFlags
{
    public const string KeyPrefix = ".appconfig.featureflag/";
    private const string Section = "FeatureManagement";

    public static bool IsFeatureFlag(KeyValue kv) => kv.Key.StartsWith(KeyPrefix, StringComparison.Ordinal);

    public static IEnumerable<KeyValuePair<string, string?>> ToConfiguration(KeyValue kv)
    {
        using var json = JsonDocument.Parse(kv.Value ?? "{}");
        var flag = json.RootElement;
        var id = flag.TryGetProperty("id", out var idValue) && idValue.GetString() is { Length: > 0 } name
            ? name
            : kv.Key[KeyPrefix.Length..];
        var prefix = $"{Section}:{id}";
        var enabled = flag.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.True;

        var conditions = flag.TryGetProperty("conditions", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var filters = enabled
            && conditions.ValueKind == JsonValueKind.Object
            && conditions.TryGetProperty("client_filters", out var f)
            && f.ValueKind == JsonValueKind.Array
                ? f.EnumerateArray().ToList()
                : [];
        if (filters.Count == 0)
        {
            return [new(prefix, enabled ? "true" : "false")];
        }

        var entries = new List<KeyValuePair<string, string?>>();
        if (conditions.TryGetProperty("requirement_type", out var requirement) && requirement.GetString() is { } type)
        {
            entries.Add(new($"{prefix}:RequirementType", type));
        }

        for (var i = 0; i < filters.Count; i++)
        {
            var filter = $"{prefix}:EnabledFor:{i.ToString(CultureInfo.InvariantCulture)}";
            entries.Add(new($"{filter}:Name", filters[i].GetProperty("name").GetString()));
            if (filters[i].TryGetProperty("parameters", out var parameters))
            {
                Flatten(parameters, $"{filter}:Parameters", entries);
            }
        }

        return entries;
    }

    private static void Flatten(JsonElement element, string path, List<KeyValuePair<string, string?>> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, $"{path}:{property.Name}", into);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{path}:{index++}", into);
                }

                break;
            case JsonValueKind.String:
                into.Add(new(path, element.GetString()));
                break;
            case JsonValueKind.Null:
                into.Add(new(path, null));
                break;
            default:
                into.Add(new(path, element.GetRawText()));
                break;
        }
    }
}
