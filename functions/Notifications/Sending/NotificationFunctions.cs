using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;

namespace Serverless.Notifications.Sending;

public sealed class NotificationFunctions(INotificationStore store, TokenValidator auth)
{
    [Function("GetNotifications")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/notifications")] HttpRequest request)
    {
        var (caller, denied) = await auth.AuthorizeAsync(request);
        if (denied is not null)
        {
            return denied;
        }

        return new OkObjectResult(await store.ForCustomerAsync(caller!.Subject, request.HttpContext.RequestAborted));
    }
}
