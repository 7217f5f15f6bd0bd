using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Http;

namespace Serverless.Orders.Web;

/// <summary>This service's part of the web shell: the files of this folder (API.md, "Web UI"); no token, as the page itself.</summary>
public sealed class WebFragment
{
    [Function("OrdersWebFragment")]
    public IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "web/orders/{file}")] HttpRequest request, string file) =>
        WebAssets.Serve(request, typeof(WebFragment).Assembly, file);
}
