using System.Text.Json;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Messaging.Queues;

namespace Serverless.UnitTests.Messaging;

/// <summary>The queues' dead letter and the reading of a queue message: nothing that arrives may make dead-lettering throw.</summary>
public sealed class DeadLetterBodyTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public void AnEventWithoutData_StillSerializes_AndRoundTrips()
    {
        var e = new IntegrationEvent("m-1", "orders", "OrderPlaced", "order-1", At, "order-1", null, null, default);

        var json = new DeadLetterBody(e, "boom", 3).Serialize();

        var back = DeadLetterBody.Parse(json);
        Assert.Equal(("m-1", "OrderPlaced", "boom", 3), (back.Event.MessageId, back.Event.Type, back.Reason, back.Deliveries));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    [InlineData("")]
    public void AnUnreadableMessage_KeepsTheRawTextAndTheReason_AndReplaysExactlyWhatCame(string raw)
    {
        var letter = DeadLetterBody.Unreadable("q-1", "orders", raw, "Unreadable message: why", 1, At);

        var back = DeadLetterBody.Parse(letter.Serialize());

        Assert.Equal(DeadLetterBody.UnreadableType, back.Event.Type);
        Assert.Equal("q-1", back.Event.MessageId);
        Assert.Equal("Unreadable message: why", back.Reason);
        Assert.Equal(raw, back.ReplayBody());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("null")]
    [InlineData("42")]
    [InlineData("{}")]
    [InlineData("""{"messageId":"m","topic":"orders","type":"OrderPlaced","subject":"o","at":"2026-03-04T05:06:07+00:00","correlationId":"o"}""")]
    [InlineData("""{"topic":"orders","type":"OrderPlaced","subject":"o","at":"2026-03-04T05:06:07+00:00","correlationId":"o","data":{}}""")]
    [InlineData("""{"messageId":"m","topic":"orders","subject":"o","at":"2026-03-04T05:06:07+00:00","correlationId":"o","data":{}}""")]
    public void AMessageThatIsNoEvent_IsRefusedAsJson(string body) =>
        Assert.ThrowsAny<JsonException>(() => IntegrationEvent.FromMessage(body));

    [Fact]
    public void AnEvent_IsRead_AsItWasWritten()
    {
        var e = IntegrationEvent.Create("orders", "OrderPlaced", "order-1", new { customerId = "alice" }, At);

        var back = IntegrationEvent.FromMessage(e.Serialize());

        Assert.Equal(e with { Data = default }, back with { Data = default });
        Assert.True(JsonElement.DeepEquals(e.Data, back.Data));
    }
}
