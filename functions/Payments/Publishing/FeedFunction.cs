using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.Payments.Publishing;

/// <summary>This service's change feed (its outbox), for replays by other services.</summary>
public sealed class FeedFunction(TokenValidator auth, ChangeFeed feed)
{
    [Function("PaymentsFeed")]
    public Task<IActionResult> Read([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/payments/feed")] HttpRequest request) =>
        FeedEndpoint.ReadAsync(request, auth, feed);
}
