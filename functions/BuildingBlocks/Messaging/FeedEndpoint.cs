using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.BuildingBlocks.Auth;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage.Sqlite;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>
/// A producer's change feed over HTTP (<c>GET .../feed?after=N&amp;max=M</c>), for other services'
/// replays such as a read-model rebuild. Admins, and services with the producer's <c>{service}.feed</c>
/// scope. Each producer has a thin function that calls this.
/// </summary>
public static class FeedEndpoint
{
    /// <summary>The other side: reads a page of <paramref name="source"/>'s feed after a position.</summary>
    public static async Task<IReadOnlyList<FeedEntry>> ReadRemoteAsync(this HttpClient http, string source, long after, int max, CancellationToken cancellationToken) =>
        await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<List<FeedEntry>>(
            http, $"api/{source}/feed?after={after}&max={max}", IntegrationEvent.Json, cancellationToken) ?? [];

    public static async Task<IActionResult> ReadAsync(HttpRequest request, TokenValidator auth, ChangeFeed feed, ServiceScope scope)
    {
        var (_, denied) = await auth.AuthorizeAsync(request, scope, Roles.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var after = long.TryParse(request.Query["after"], NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : 0;
        var max = int.TryParse(request.Query["max"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? Math.Clamp(m, 1, 1000) : 500;
        if (after < 0)
        {
            return Problems.Validation("after", "after must be >= 0.");
        }

        return new OkObjectResult(await feed.ReadAsync(after, max));
    }
}
