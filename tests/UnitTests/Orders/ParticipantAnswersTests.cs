using System.Net;
using System.Text;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Saga;

namespace Serverless.UnitTests.Orders;

/// <summary>How the saga classifies a participant's answer: done, refusal, transient (retried) or permanent (failed at once).</summary>
public sealed class ParticipantAnswersTests
{
    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(204)]
    public void Success_IsDone(int status) =>
        Assert.Equal(AnswerKind.Done, ParticipantAnswers.Classify(status, null));

    [Theory]
    [InlineData(409, ProblemTypes.OutOfStock)]
    [InlineData(409, ProblemTypes.PaymentDeclined)]
    [InlineData(409, ProblemTypes.ShippingUnavailable)]
    [InlineData(409, ProblemTypes.AlreadyCompensated)]
    [InlineData(422, ProblemTypes.OutOfStock)]
    public void ConflictWithAKnownBusinessType_IsRefusal(int status, string type) =>
        Assert.Equal(AnswerKind.Refused, ParticipantAnswers.Classify(status, type));

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void TimeoutsThrottlingAndServerErrors_AreTransient(int status) =>
        Assert.Equal(AnswerKind.Transient, ParticipantAnswers.Classify(status, null));

    [Theory]
    [InlineData(400, null)]
    [InlineData(401, null)]
    [InlineData(403, null)]
    [InlineData(404, null)]
    [InlineData(409, null)]
    [InlineData(409, "https://httpstatuses.io/409")]
    [InlineData(422, "https://example.com/unknown")]
    [InlineData(400, ProblemTypes.OutOfStock)] // a business type on a status that is not a refusal is still a bad request
    [InlineData(413, null)]
    [InlineData(301, null)]
    public void OtherClientErrors_ArePermanent(int status, string? type) =>
        Assert.Equal(AnswerKind.Failed, ParticipantAnswers.Classify(status, type));

    [Fact]
    public async Task ClientAnswer_KnownRefusal_IsRefusedWithItsType()
    {
        // Given inventory answers a released reservation's commit with a typed 409
        var inventory = Inventory(_ => Problem(HttpStatusCode.Conflict, ProblemTypes.AlreadyCompensated));

        // When the saga commits
        var answer = await inventory.CommitAsync("order-1");

        // Then it is a refusal carrying the type
        Assert.Equal(AnswerKind.Refused, answer.Kind);
        Assert.Equal(ProblemTypes.AlreadyCompensated, answer.ProblemType);
        Assert.Equal(409, answer.Status);
    }

    [Fact]
    public async Task ClientAnswer_ConflictWithoutABusinessType_IsPermanent()
    {
        // Given inventory answers a plain 409 problem (no reservation to commit)
        var inventory = Inventory(_ => Problem(HttpStatusCode.Conflict, "https://httpstatuses.io/409", "Order order-1 holds no reservation to commit (none)."));

        // When the saga commits
        var answer = await inventory.CommitAsync("order-1");

        // Then it fails for good, and the answer says why
        Assert.Equal(AnswerKind.Failed, answer.Kind);
        Assert.Equal(409, answer.Status);
        Assert.Equal("https://httpstatuses.io/409 Order order-1 holds no reservation to commit (none).", answer.Problem);
    }

    [Fact]
    public async Task ClientAnswer_UnauthorizedWithoutABody_IsPermanent()
    {
        // Given a participant that rejects the saga's token with an empty 401
        var inventory = Inventory(_ => new HttpResponseMessage(HttpStatusCode.Unauthorized));

        // When the saga reserves
        var answer = await inventory.ReserveAsync("order-1", []);

        // Then it fails for good (no retry until the deadline)
        Assert.Equal(AnswerKind.Failed, answer.Kind);
        Assert.Equal(401, answer.Status);
        Assert.Equal("(no problem type)", answer.Problem);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task ClientAnswer_Transient_Throws_SoTheActivityIsRetried(HttpStatusCode status)
    {
        // Given a participant that is down, throttled or failing, with an HTML page as body
        var inventory = Inventory(_ => new HttpResponseMessage(status) { Content = new StringContent("<html>busy</html>", Encoding.UTF8, "text/html") });

        // When the saga commits; Then the call throws, which fails the activity and the saga retries it
        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => inventory.CommitAsync("order-1"));
        Assert.Equal(status, thrown.StatusCode);
    }

    [Fact]
    public async Task ClientAnswer_NetworkError_Throws_SoTheActivityIsRetried()
    {
        // Given a participant that cannot be reached
        var inventory = Inventory(_ => throw new HttpRequestException("Connection refused"));

        // When the saga commits; Then the call throws, which the saga retries
        await Assert.ThrowsAsync<HttpRequestException>(() => inventory.CommitAsync("order-1"));
    }

    [Fact]
    public async Task ClientAnswer_Success_IsDoneWithItsBody()
    {
        // Given a participant that says yes
        var inventory = Inventory(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"orderId":"order-1","status":"Committed"}""", Encoding.UTF8, "application/json") });

        // When the saga commits
        var answer = await inventory.CommitAsync("order-1");

        // Then it is done, with the body and no problem
        Assert.True(answer.Ok);
        Assert.Equal("Committed", answer.Body!.Value.GetProperty("status").GetString());
        Assert.Null(answer.ProblemType);
    }

    private static InventoryClient Inventory(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new(new HttpClient(new StubHandler(answer)) { BaseAddress = new Uri("http://inventory/") });

    private static HttpResponseMessage Problem(HttpStatusCode status, string type, string? detail = null) => new(status)
    {
        Content = new StringContent(
            System.Text.Json.JsonSerializer.Serialize(new { type, title = "Conflict", status = (int)status, detail }), Encoding.UTF8, Problems.ContentType),
    };

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request));
    }
}
