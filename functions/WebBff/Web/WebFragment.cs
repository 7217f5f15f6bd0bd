using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Http;

namespace Serverless.WebBff.Web;

/// <summary>This service's part of the web shell: the files of this folder (API.md, "Web UI"); no token, as the page itself.</summary>
public sealed class WebFragment
{
    [Function("WebBffWebFragment")]
    public IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "web/web-bff/{file}")] HttpRequest request, string file) =>
        WebAssets.Serve(request, typeof(WebFragment).Assembly, file);
}

/// <summary>The web shell's page at the site root: sign-in, layout, navigation; it loads every fragment.</summary>
public sealed class WebShell
{
    /// <summary>An empty route with the empty route prefix (host.json) is the root in Azure too.</summary>
    [Function("WebShell")]
    public IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "")] HttpRequest request) =>
        WebAssets.Serve(request, typeof(WebShell).Assembly, "index.html");
}
