using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Serverless.BuildingBlocks.Http;

/// <summary>For a back end for front end: calls a service on behalf of the caller, with the caller's own token.</summary>
public static class CallerToken
{
    public static HttpRequestMessage OnBehalfOf(this HttpRequest caller, HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        if (AuthenticationHeaderValue.TryParse(caller.Headers.Authorization.ToString(), out var header))
        {
            request.Headers.Authorization = header;
        }

        return request;
    }
}
