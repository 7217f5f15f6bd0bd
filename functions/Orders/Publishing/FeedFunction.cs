using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Orders.Publishing;

/// <summary>This service's change feed (its outbox), for replays by other services.</summary>
public sealed class FeedFunction(TokenValidator auth, ChangeFeed feed)
{
    [Function("OrdersFeed")]
    public Task<IActionResult> Read([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/orders/feed")] HttpRequest request) =>
        FeedEndpoint.ReadAsync(request, auth, feed);
}
