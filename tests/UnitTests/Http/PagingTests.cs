using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.BuildingBlocks.Http;

namespace Serverless.UnitTests.Http;

public sealed class PagingTests
{
    [Theory]
    [InlineData("", 100)]
    [InlineData("?limit=1", 1)]
    [InlineData("?limit=500", 500)]
    [InlineData("?limit=42", 42)]
    public void Limit_DefaultsTo100_AndTakes1To500(string query, int expected)
    {
        Assert.True(Paging.TryRead(Request("/api/orders", query), out var page, out var problem));
        Assert.Null(problem);
        Assert.Equal(new PageRequest(expected, null), page);
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=501")]
    [InlineData("?limit=-1")]
    [InlineData("?limit=abc")]
    [InlineData("?limit=1.5")]
    [InlineData("?limit=")]
    [InlineData("?limit=%2B5")]
    [InlineData("?limit=99999999999")]
    [InlineData("?limit=1&limit=2")]
    public void ALimitOutside1To500_OrNotAnInteger_IsA400_WithAnErrorsLimitEntry(string query)
    {
        Assert.False(Paging.TryRead(Request("/api/orders", query), out _, out var problem));
        var details = Assert.IsType<ValidationProblemDetails>(Assert.IsType<ObjectResult>(problem).Value);
        Assert.Equal(400, details.Status);
        Assert.Contains("limit", details.Errors.Keys);
    }

    [Theory]
    [InlineData("?cursor=")]
    [InlineData("?cursor=%21%21")]
    [InlineData("?cursor=a+b")]
    [InlineData("?cursor=_w")] // decodes to a byte that is not UTF-8
    public void ACursorThatIsNotOne_IsA400_WithAnErrorsCursorEntry(string query)
    {
        Assert.False(Paging.TryRead(Request("/api/orders", query), out _, out var problem));
        var details = Assert.IsType<ValidationProblemDetails>(Assert.IsType<ObjectResult>(problem).Value);
        Assert.Contains("cursor", details.Errors.Keys);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("2026-03-01T09:00:00.0000000+00:00|order-1")]
    [InlineData("ünïcode / ? & = #")]
    public void ACursor_RoundTripsItsPosition_AndIsUrlSafe(string position)
    {
        var cursor = Paging.EncodeCursor(position);
        Assert.Equal(Uri.EscapeDataString(cursor), cursor);

        Assert.True(Paging.TryRead(Request("/api/orders", "?limit=3&cursor=" + cursor), out var page, out _));
        Assert.Equal(new PageRequest(3, position), page);
    }

    [Fact]
    public void TheNextLink_IsThePublicPath_WithTheLimitAndTheCursor()
    {
        var link = Paging.NextLink("/api/orders/o-1/events", 2, "7");

        Assert.Equal($"</api/orders/o-1/events?limit=2&cursor={Paging.EncodeCursor("7")}>; rel=\"next\"", link);
        Assert.Equal("7", Paging.NextPosition([link]));
        Assert.Equal("7", Paging.NextPosition([$"<https://x.test/a>; rel=\"prev\", <http://h/api/orders?cursor={Paging.EncodeCursor("7")}&limit=2>; rel=\"next\""]));
        Assert.Null(Paging.NextPosition([]));
        Assert.Null(Paging.NextPosition(["</api/orders?limit=2>; rel=\"next\""]));
        Assert.Null(Paging.NextPosition([$"</api/orders?cursor={Paging.EncodeCursor("7")}>; rel=\"prev\""]));
    }

    [Fact]
    public void Ok_SetsLink_OnlyWhenThereIsANextPage_AndAnswersAPlainArray()
    {
        var request = Request("/api/orders", "?limit=2");
        var asked = new PageRequest(2, null);

        var last = Paging.Ok(request, asked, new Page<int>([1, 2], null));
        Assert.False(request.HttpContext.Response.Headers.ContainsKey("Link"));
        Assert.Equal("[1,2]", JsonSerializer.Serialize(last.Value));

        Paging.Ok(request, asked, new Page<int>([1, 2], "2"));
        Assert.Equal(Paging.NextLink("/api/orders", 2, "2"), request.HttpContext.Response.Headers.Link.ToString());
    }

    [Fact]
    public void Slice_TakesTheItemsAfterThePosition_AndNamesTheLastOneWhenMoreFollow()
    {
        int[] ordered = [1, 2, 3, 4, 5];

        Assert.Equal(new[] { 1, 2 }, Paging.Slice(ordered, 2, null, i => $"{i}").Items);
        Assert.Equal("2", Paging.Slice(ordered, 2, null, i => $"{i}").Next);
        var last = Paging.Slice(ordered, 2, i => i > 4, i => $"{i}");
        Assert.Equal([5], last.Items);
        Assert.Null(last.Next);
        Assert.Null(Paging.Slice(ordered, 5, null, i => $"{i}").Next);
    }

    [Fact]
    public void NewestFirst_WalksEveryItemOnce_WithTiesBrokenById()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        (DateTimeOffset At, string Id)[] items = [(t0.AddMinutes(5), "a"), (t0.AddMinutes(3), "b"), (t0.AddMinutes(3), "c"), (t0.AddMinutes(3), "d"), (t0, "e")];

        for (var limit = 1; limit <= 6; limit++)
        {
            var walked = new List<string>();
            string? next = null;
            do
            {
                var page = Paging.NewestFirst(items, limit, next, i => i.At, i => i.Id);
                walked.AddRange(page.Items.Select(i => i.Id));
                next = page.Next;
            }
            while (next is not null);
            Assert.Equal(["a", "b", "c", "d", "e"], walked);
        }

        Assert.Throws<FormatException>(() => Paging.NewestFirst(items, 2, "nonsense", i => i.At, i => i.Id));
    }

    private static HttpRequest Request(string path, string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }
}
