using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.BuildingBlocks.Storage;

/// <summary>How every adapter writes state: camelCase, enums by name, so a stored document reads the same in SQLite and Cosmos.</summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
