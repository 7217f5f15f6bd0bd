using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Serverless.BuildingBlocks.Http;

/// <summary>RFC 9457 problem details as <see cref="IActionResult"/>s; never a stack trace.</summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static ObjectResult Create(int status, string title, string? detail = null, string? type = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = type ?? $"https://httpstatuses.io/{status}" };
        return Result(problem);
    }

    public static ObjectResult Validation(IDictionary<string, string[]> errors, string? detail = null)
    {
        var problem = new ValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "One or more validation errors occurred.",
            Detail = detail,
            Type = "https://httpstatuses.io/400",
        };
        return Result(problem);
    }

    public static ObjectResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ObjectResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, "Bad request", detail);
    public static ObjectResult Unauthorized(string detail = "A valid bearer token is required.") => Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    public static ObjectResult Forbidden(string detail = "The caller's role does not allow this call.") => Create(StatusCodes.Status403Forbidden, "Forbidden", detail);
    public static ObjectResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found", detail);
    public static ObjectResult Conflict(string title, string detail, string? type = null) => Create(StatusCodes.Status409Conflict, title, detail, type);
    public static ObjectResult PayloadTooLarge() => Create(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"Request bodies are limited to {JsonBody.MaxBytes / 1024} KiB.");

    private static ObjectResult Result(ProblemDetails problem)
    {
        var result = new ObjectResult(problem) { StatusCode = problem.Status };
        result.ContentTypes.Add(ContentType);
        return result;
    }
}
