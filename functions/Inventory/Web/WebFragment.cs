using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Http;

namespace Serverless.Inventory.Web;

/// <summary>This service's part of the web shell: the files of this folder (API.md, "Web UI"); no token, as the page itself.</summary>
public sealed class WebFragment
{
    [Function("InventoryWebFragment")]
    public IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "web/inventory/{file}")] HttpRequest request, string file) =>
        WebAssets.Serve(request, typeof(WebFragment).Assembly, file);
}
