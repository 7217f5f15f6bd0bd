using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Serverless.BuildingBlocks.Http;

/// <summary>What a paged list was asked for: the page size and, past the first page, where the previous page ended.</summary>
/// <param name="Limit">1..<see cref="Paging.MaxLimit"/>.</param>
/// <param name="After">The decoded cursor (the list's own keyset position), null for the first page.</param>
public sealed record PageRequest(int Limit, string? After);

/// <summary>One page of a list in its stated order; <see cref="Next"/> is the position to continue after, null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// Paged lists (API.md, "Lists are paged"): <c>?limit=N</c> (default 100, 1..500) and an opaque
/// <c>?cursor=</c> that a <c>Link: &lt;url&gt;; rel="next"</c> header carries. The cursor wraps a
/// keyset position of the list's stable order (the last item's sort key), never an offset, so items
/// inserted meanwhile neither repeat nor shift the next page.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;
    public const string LimitParameter = "limit";
    public const string CursorParameter = "cursor";
    private const int MaxCursorLength = 2048;

    /// <summary>The request's page, or a 400 problem with an <c>errors.limit</c> / <c>errors.cursor</c> entry.</summary>
    public static bool TryRead(HttpRequest request, out PageRequest page, out IActionResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var limit = DefaultLimit;
        if (request.Query.TryGetValue(LimitParameter, out var rawLimit))
        {
            if (rawLimit.Count != 1 || !int.TryParse(rawLimit[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit)
            {
                errors[LimitParameter] = [$"limit must be an integer from 1 to {MaxLimit}."];
            }
        }

        string? after = null;
        if (request.Query.TryGetValue(CursorParameter, out var rawCursor))
        {
            if (rawCursor.Count != 1 || !TryDecodeCursor(rawCursor[0], out after))
            {
                errors[CursorParameter] = ["cursor is not one this list handed out: follow the Link header's URL."];
            }
        }

        page = new PageRequest(errors.Count == 0 ? limit : DefaultLimit, after);
        problem = errors.Count == 0 ? null : Problems.Validation(errors);
        return problem is null;
    }

    /// <summary>The 400 for a cursor that decoded but that the list cannot place.</summary>
    public static ObjectResult InvalidCursor() =>
        Problems.Validation(CursorParameter, "cursor is not one this list handed out: follow the Link header's URL.");

    /// <summary>The opaque form of a keyset position: base64url of its UTF-8.</summary>
    public static string EncodeCursor(string position)
    {
        ArgumentNullException.ThrowIfNull(position);
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));
    }

    public static bool TryDecodeCursor(string? cursor, out string? position)
    {
        position = null;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > MaxCursorLength || !Base64Url.IsValid(cursor))
        {
            return false;
        }

        try
        {
            position = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(cursor));
            return position.Length > 0;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The relative URL of the page after <paramref name="next"/> on the public <paramref name="path"/>.</summary>
    public static string NextUrl(string path, int limit, string next) =>
        $"{path}?{LimitParameter}={limit.ToString(CultureInfo.InvariantCulture)}&{CursorParameter}={EncodeCursor(next)}";

    /// <summary>The <c>Link</c> header value for the next page.</summary>
    public static string NextLink(string path, int limit, string next) => $"<{NextUrl(path, limit, next)}>; rel=\"next\"";

    /// <summary>The position a <c>Link</c> header's <c>rel="next"</c> URL carries in its cursor (for a client that relays a page), if any.</summary>
    public static string? NextPosition(IEnumerable<string> linkHeaders)
    {
        ArgumentNullException.ThrowIfNull(linkHeaders);
        foreach (var link in linkHeaders.SelectMany(l => l.Split(',')))
        {
            var parts = link.Split(';', StringSplitOptions.TrimEntries);
            if (parts.Length < 2 || parts[0] is not ['<', .., '>'] || !parts[1..].Contains("rel=\"next\"", StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var url = parts[0][1..^1];
            var question = url.IndexOf('?', StringComparison.Ordinal);
            var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(question < 0 ? "" : url[question..]);
            if (query.TryGetValue(CursorParameter, out var cursor) && cursor.Count == 1 && TryDecodeCursor(cursor[0], out var position))
            {
                return position;
            }
        }

        return null;
    }

    /// <summary>
    /// Answers <paramref name="page"/>'s items as a plain JSON array and, when it has a next position, sets
    /// <c>Link</c> to the same path (the request's, which the gateway keeps) with the same limit.
    /// </summary>
    public static OkObjectResult Ok<T>(HttpRequest request, PageRequest asked, Page<T> page)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(asked);
        ArgumentNullException.ThrowIfNull(page);
        if (page.Next is { } next)
        {
            request.HttpContext.Response.Headers.Link = NextLink(request.PathBase.Add(request.Path).Value ?? "/", asked.Limit, next);
        }

        return new OkObjectResult(page.Items);
    }

    /// <summary>
    /// Keyset paging in memory over a list already in its stated order: the items strictly after the
    /// position (<paramref name="isAfter"/>, null for the first page), at most <c>Limit</c> of them, and the
    /// last one's position (<paramref name="positionOf"/>) when more follow.
    /// </summary>
    public static Page<T> Slice<T>(IEnumerable<T> ordered, int limit, Func<T, bool>? isAfter, Func<T, string> positionOf)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        ArgumentNullException.ThrowIfNull(positionOf);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var items = (isAfter is null ? ordered : ordered.Where(isAfter)).Take(limit + 1).ToList();
        if (items.Count <= limit)
        {
            return new Page<T>(items, null);
        }

        items.RemoveAt(limit);
        return new Page<T>(items, positionOf(items[^1]));
    }

    /// <summary>A position made of a timestamp and an id (<c>{at:O}|{id}</c>), as lists sorted by time then id use.</summary>
    public static string Position(DateTimeOffset at, string id) => at.ToString("O", CultureInfo.InvariantCulture) + "|" + id;

    /// <summary>
    /// For lists ordered newest first, then by id ascending: a page of <paramref name="ordered"/> after
    /// <paramref name="position"/> (a <see cref="Position"/>; <see cref="FormatException"/> if it is not one),
    /// whose next position is the last item's time and id.
    /// </summary>
    public static Page<T> NewestFirst<T>(IEnumerable<T> ordered, int limit, string? position, Func<T, DateTimeOffset> atOf, Func<T, string> idOf)
    {
        ArgumentNullException.ThrowIfNull(atOf);
        ArgumentNullException.ThrowIfNull(idOf);
        Func<T, bool>? isAfter = null;
        if (position is not null)
        {
            if (!TryParsePosition(position, out var at, out var id))
            {
                throw new FormatException($"'{position}' is not a list position.");
            }

            isAfter = item => atOf(item) < at || (atOf(item) == at && string.CompareOrdinal(idOf(item), id) > 0);
        }

        return Slice(ordered, limit, isAfter, item => Position(atOf(item), idOf(item)));
    }

    public static bool TryParsePosition(string? position, out DateTimeOffset at, out string id)
    {
        at = default;
        id = "";
        var bar = position?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        if (bar < 1 || !DateTimeOffset.TryParseExact(position![..bar], "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out at))
        {
            return false;
        }

        id = position[(bar + 1)..];
        return true;
    }
}
