using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Serverless.BuildingBlocks.Http;

namespace Serverless.UnitTests.Http;

public sealed class JsonBodyTests
{
    private sealed record Line(string Sku, int Quantity, decimal? Price);

    [Theory]
    [InlineData("{\"sku\":\"a\",\"quantity\":\"1\"}", "quantity")]
    [InlineData("{\"sku\":\"a\",\"quantity\":1,\"price\":\"2.50\"}", "price")]
    [InlineData("{\"sku\":\"a\",\"quantity\":\"NaN\"}", "quantity")]
    public async Task ANumberSentAsAString_Is400_ForThatField(string json, string field)
    {
        // The web defaults would read "1" as 1: the fuzz row of the security matrix placed orders with "quantity":"1"
        var (value, problem) = await JsonBody.ReadAsync<Line>(Request(json));

        Assert.Null(value);
        var result = Assert.IsType<ObjectResult>(problem);
        Assert.Equal(StatusCodes.Status400BadRequest, result.StatusCode);
        Assert.Contains(field, Assert.IsType<ValidationProblemDetails>(result.Value).Errors.Keys);
    }

    [Fact]
    public async Task NumbersAsNumbers_AndCaseInsensitiveNames_StillRead()
    {
        var (value, problem) = await JsonBody.ReadAsync<Line>(Request("{\"SKU\":\"a\",\"quantity\":2,\"price\":2.5}"));

        Assert.Null(problem);
        Assert.Equal(new Line("a", 2, 2.5m), value);
    }

    private static HttpRequest Request(string json)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));
        context.Request.ContentType = "application/json";
        return context.Request;
    }
}
