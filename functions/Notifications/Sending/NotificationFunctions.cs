using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;

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

        if (!Paging.TryRead(request, out var asked, out var invalid))
        {
            return invalid!;
        }

        try
        {
            return Paging.Ok(request, asked, await store.ForCustomerAsync(caller!.Subject, asked.Limit, asked.After, request.HttpContext.RequestAborted));
        }
        catch (FormatException)
        {
            return Paging.InvalidCursor();
        }
    }
}
