using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Serverless.BuildingBlocks.Http;

/// <summary>
/// A service's web fragment (API.md, "Web UI"): the files of its <c>Web/</c> folder, embedded in its
/// assembly as <c>web/{file}</c> (functions/FunctionApp.props) and served by one HTTP function per
/// service at <c>GET /web/{service}/{file}</c>. Plain ES modules and CSS: no build step, no CDN.
/// </summary>
public static class WebAssets
{
    /// <summary>Short: a new deployment shows within a minute; the shell's retries add a cache-busting query anyway.</summary>
    public const string CachePolicy = "public, max-age=60";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".html"] = "text/html; charset=utf-8",
    };

    private static readonly ConcurrentDictionary<Assembly, Dictionary<string, string>> Embedded = new();

    /// <summary>The file with its content type and cache policy, or a 404 problem for a name the service does not embed.</summary>
    public static IActionResult Serve(HttpRequest request, Assembly assembly, string file)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(assembly);
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file ?? ""));
        if (type is null || !Embedded.GetOrAdd(assembly, Read).TryGetValue(file!, out var content))
        {
            return Problems.NotFound($"No web file '{file}' here.");
        }

        request.HttpContext.Response.Headers.CacheControl = CachePolicy;
        request.HttpContext.Response.Headers.XContentTypeOptions = "nosniff";
        return new ContentResult { Content = content, ContentType = type, StatusCode = StatusCodes.Status200OK };
    }

    /// <summary>Every embedded web file of <paramref name="assembly"/>, read once.</summary>
    private static Dictionary<string, string> Read(Assembly assembly) =>
        assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith("web/", StringComparison.Ordinal))
            .ToDictionary(name => name["web/".Length..], name =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                return reader.ReadToEnd();
            }, StringComparer.Ordinal);
}
