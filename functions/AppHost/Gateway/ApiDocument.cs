using System.Text.Json;

namespace Serverless.AppHost.Gateway;

/// <summary>
/// The public API as one OpenAPI document, <c>infra/apim/openapi.json</c> (embedded at build time):
/// API Management imports it, and the local gateway serves it and forwards exactly its operations,
/// so what one gateway routes the other does too.
/// </summary>
public sealed class ApiDocument
{
    public const string Path = "/openapi.json";
    public const string DocsPath = "/docs";

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    private ApiDocument(string json, IReadOnlyList<(string Path, string Method)> operations)
    {
        Json = json;
        Operations = operations;
    }

    public static ApiDocument Embedded { get; } = Load();

    /// <summary>The document's text, served as it is.</summary>
    public string Json { get; }

    /// <summary>Every operation: its path template and its HTTP method, upper case.</summary>
    public IReadOnlyList<(string Path, string Method)> Operations { get; }

    public static ApiDocument Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(op => Methods.Contains(op.Name))
                .Select(op => (path.Name, op.Name.ToUpperInvariant())))
            .ToList();
        return new ApiDocument(json, operations);
    }

    private static ApiDocument Load()
    {
        using var stream = typeof(ApiDocument).Assembly.GetManifestResourceStream("openapi.json")
            ?? throw new InvalidOperationException("The AppHost assembly embeds infra/apim/openapi.json as 'openapi.json'.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
