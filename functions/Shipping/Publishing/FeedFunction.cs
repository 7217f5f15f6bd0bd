using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.BuildingBlocks.Storage.Sqlite;

namespace Serverless.Shipping.Publishing;

/// <summary>This service's change feed (its SQLite outbox), for replays by other services.</summary>
public sealed class FeedFunction(TokenValidator auth, IConfiguration configuration, IServiceProvider services)
{
    [Function("ShippingFeed")]
    public async Task<IActionResult> Read([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/shipping/feed")] HttpRequest request)
    {
        if (!StorageOptions.UsesCosmos(configuration))
        {
            return await FeedEndpoint.ReadAsync(request, auth, services.GetRequiredService<ChangeFeed>(), ServiceScope.ShippingFeed);
        }

        var (_, denied) = await auth.AuthorizeAsync(request, ServiceScope.ShippingFeed, Roles.Admin);
        return denied ?? Problems.NotFound("This service's change feed is the Cosmos change feed of its containers.");
    }
}
