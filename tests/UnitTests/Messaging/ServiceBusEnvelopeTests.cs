using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Messaging.ServiceBus;

namespace Serverless.UnitTests.Messaging;

public sealed class ServiceBusEnvelopeTests
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static readonly IntegrationEvent Event = new(
        "msg-1", "orders", "OrderPlaced", "order-42", new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(9)).AddTicks(1234567),
        "corr-7", "cause-3", TraceParent,
        JsonSerializer.SerializeToElement(new { customerId = "alice", total = 25.5m, lines = new[] { new { sku = "SKU-1", qty = 2 } } }));

    [Fact]
    public void ToMessage_PutsTheEnvelopeInTheMessagesOwnProperties()
    {
        var message = ServiceBusEnvelope.ToMessage(Event);

        Assert.Equal(("msg-1", "corr-7", "OrderPlaced", "application/json"), (message.MessageId, message.CorrelationId, message.Subject, message.ContentType));
        Assert.Equal(TraceParent, message.ApplicationProperties["traceparent"]);
        Assert.Equal("cause-3", message.ApplicationProperties["causationId"]);
        Assert.Equal("order-42", message.ApplicationProperties["subject"]);
        Assert.Equal("orders", message.ApplicationProperties["topic"]);
        Assert.Equal(Event.Data.GetRawText(), message.Body.ToString());
    }

    [Fact]
    public void Message_RoundTrips_EveryEnvelopeField()
    {
        var received = Received(ServiceBusEnvelope.ToMessage(Event));

        var back = ServiceBusEnvelope.ToEvent(received, "orders");

        Assert.Equal(Event with { Data = default }, back with { Data = default });
        Assert.Equal(Event.At.Offset, back.At.Offset);
        Assert.True(JsonElement.DeepEquals(Event.Data, back.Data));
    }

    [Fact]
    public void Receive_AReadableMessage_IsHandled()
    {
        var disposition = ServiceBusEnvelope.Receive(Received(ServiceBusEnvelope.ToMessage(Event), deliveryCount: 1), "orders", "notifications", maxDeliveries: 5);

        Assert.Equal(DispositionKind.Handle, disposition.Kind);
        Assert.Equal("msg-1", disposition.Event!.MessageId);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("{\"truncated\": ")]
    [InlineData("")]
    public void Receive_AnUnreadableBody_IsDeadLetteredAtOnce_WithAClearReason(string body)
    {
        var message = ServiceBusEnvelope.ToMessage(Event);
        message.Body = BinaryData.FromString(body);

        var disposition = ServiceBusEnvelope.Receive(Received(message, deliveryCount: 1), "orders", "notifications", maxDeliveries: 5);

        Assert.Equal(DispositionKind.DeadLetter, disposition.Kind);
        Assert.Equal(ServiceBusEnvelope.UnreadableReason, disposition.Reason);
        Assert.StartsWith("Message msg-1 is not an integration event: ", disposition.Description, StringComparison.Ordinal);
        Assert.Null(disposition.Event);
    }

    [Fact]
    public void Receive_AMessageWithoutAType_IsUnreadable()
    {
        var message = ServiceBusEnvelope.ToMessage(Event);
        message.Subject = null;

        var disposition = ServiceBusEnvelope.Receive(Received(message), "orders", "notifications", maxDeliveries: 5);

        Assert.Equal((DispositionKind.DeadLetter, ServiceBusEnvelope.UnreadableReason), (disposition.Kind, disposition.Reason));
        Assert.Contains("no Subject", disposition.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, DispositionKind.Handle)]
    [InlineData(6, DispositionKind.DeadLetter)]
    public void Receive_DeliveredMoreThanMaxDeliveries_IsDeadLettered(int deliveryCount, DispositionKind expected)
    {
        var disposition = ServiceBusEnvelope.Receive(Received(ServiceBusEnvelope.ToMessage(Event), deliveryCount), "orders", "notifications", maxDeliveries: 5);

        Assert.Equal(expected, disposition.Kind);
        if (expected == DispositionKind.DeadLetter)
        {
            Assert.Equal(ServiceBusEnvelope.MaxDeliveriesReason, disposition.Reason);
            Assert.Equal("Delivered 6 times, more than Bus:MaxDeliveries (5), without completing.", disposition.Description);
        }
    }

    [Fact]
    public void TraceParent_Missing_IsNull()
    {
        var message = ServiceBusEnvelope.ToMessage(Event with { TraceParent = null, CausationId = null });

        var received = Received(message);

        Assert.False(message.ApplicationProperties.ContainsKey("traceparent"));
        Assert.Null(ServiceBusEnvelope.TraceParent(received));
        var back = ServiceBusEnvelope.ToEvent(received);
        Assert.Null(back.TraceParent);
        Assert.Null(back.CausationId);
    }

    [Fact]
    public void TraceParent_Present_IsTheEventsTraceContext() =>
        Assert.Equal(TraceParent, ServiceBusEnvelope.TraceParent(Received(ServiceBusEnvelope.ToMessage(Event))));

    [Fact]
    public void AfterFailure_BeforeTheLastDelivery_Abandons_WithTheError()
    {
        var disposition = ServiceBusEnvelope.AfterFailure(Received(ServiceBusEnvelope.ToMessage(Event), deliveryCount: 2), new InvalidOperationException("the projection is broken"), maxDeliveries: 3);

        Assert.Equal(DispositionKind.Abandon, disposition.Kind);
        Assert.Equal("InvalidOperationException: the projection is broken", disposition.Properties!["lastError"]);
    }

    [Fact]
    public void AfterFailure_OnTheLastDelivery_DeadLetters_WithTheErrorAsDescription()
    {
        var disposition = ServiceBusEnvelope.AfterFailure(Received(ServiceBusEnvelope.ToMessage(Event), deliveryCount: 3), new InvalidOperationException("the projection is broken"), maxDeliveries: 3);

        Assert.Equal((DispositionKind.DeadLetter, ServiceBusEnvelope.MaxDeliveriesReason), (disposition.Kind, disposition.Reason));
        Assert.Equal("Failed on each of 3 deliveries; last: InvalidOperationException: the projection is broken", disposition.Description);
        Assert.Equal("InvalidOperationException: the projection is broken", disposition.Properties!["lastError"]);
    }

    [Fact]
    public void AfterFailure_AHugeError_IsCutShort()
    {
        var disposition = ServiceBusEnvelope.AfterFailure(Received(ServiceBusEnvelope.ToMessage(Event), deliveryCount: 3), new InvalidOperationException(new string('x', 10_000)), maxDeliveries: 3);

        Assert.True(disposition.Description!.Length <= 1024);
    }

    [Fact]
    public void ToDeadLetter_ShowsTheEventAndWhyItDied()
    {
        var message = ServiceBusEnvelope.ToMessage(Event);
        message.ApplicationProperties["DeadLetterReason"] = "MaxDeliveryCountExceeded";
        message.ApplicationProperties["DeadLetterErrorDescription"] = "Message could not be consumed after 5 delivery attempts.";
        message.ApplicationProperties["lastError"] = "InvalidOperationException: the projection is broken";
        var received = Received(message);

        var letter = ServiceBusEnvelope.ToDeadLetter(received, "orders/Subscriptions/notifications/$DeadLetterQueue");

        Assert.Equal(("orders/Subscriptions/notifications/$DeadLetterQueue", "msg-1", "OrderPlaced", "order-42"), (letter.Queue, letter.MessageId, letter.Type, letter.Subject));
        Assert.Equal(
            "MaxDeliveryCountExceeded: Message could not be consumed after 5 delivery attempts.: last error: InvalidOperationException: the projection is broken",
            letter.Reason);
    }

    [Fact]
    public void DeadLetterReason_OurOwn_IsNotRepeated()
    {
        var message = ServiceBusEnvelope.ToMessage(Event);
        message.ApplicationProperties["DeadLetterReason"] = "MaxDeliveryCountExceeded";
        message.ApplicationProperties["DeadLetterErrorDescription"] = "Failed on each of 3 deliveries; last: InvalidOperationException: boom";
        message.ApplicationProperties["lastError"] = "InvalidOperationException: boom";

        Assert.Equal("MaxDeliveryCountExceeded: Failed on each of 3 deliveries; last: InvalidOperationException: boom", ServiceBusEnvelope.DeadLetterReason(Received(message)));
    }

    [Fact]
    public void ReplayCopy_IsForOneSubscription_WithANewButStableMessageId_AndTheSameEvent()
    {
        var message = ServiceBusEnvelope.ToMessage(Event);
        message.ApplicationProperties["DeadLetterReason"] = "MaxDeliveryCountExceeded";
        message.ApplicationProperties["DeadLetterErrorDescription"] = "boom";
        message.ApplicationProperties["lastError"] = "boom";
        var deadLetter = Received(message, sequenceNumber: 77);

        var copy = ServiceBusEnvelope.ReplayCopy(deadLetter, "notifications");

        Assert.Equal("msg-1:replay:77", copy.MessageId);
        Assert.Equal("msg-1:replay:77", ServiceBusEnvelope.ReplayCopy(deadLetter, "notifications").MessageId);
        Assert.Equal(("msg-1", "notifications"), (copy.ApplicationProperties["replayOf"], copy.ApplicationProperties["replayFor"]));
        Assert.DoesNotContain("DeadLetterReason", copy.ApplicationProperties.Keys);
        Assert.DoesNotContain("DeadLetterErrorDescription", copy.ApplicationProperties.Keys);
        Assert.DoesNotContain("lastError", copy.ApplicationProperties.Keys);

        // The subscription it is for handles the same event (its id, for the consumer's dedupe, included)
        var forIt = ServiceBusEnvelope.Receive(Received(copy, sequenceNumber: 90), "orders", "notifications", maxDeliveries: 5);
        Assert.Equal(DispositionKind.Handle, forIt.Kind);
        Assert.Equal(Event with { Data = default }, forIt.Event! with { Data = default });

        // Any other subscription completes it unhandled
        Assert.Equal(DispositionKind.Skip, ServiceBusEnvelope.Receive(Received(copy), "orders", "audit", maxDeliveries: 5).Kind);

        // A second replay of the copy keeps the event's id, not the copy's
        Assert.Equal("msg-1:replay:91", ServiceBusEnvelope.ReplayCopy(Received(copy, sequenceNumber: 91), "notifications").MessageId);
    }

    [Fact]
    public void SubscriptionFilter_LetsInEverythingButOtherSubscriptionsReplays() =>
        Assert.Equal("NOT EXISTS(user.replayFor) OR user.replayFor = 'o''brien'", ServiceBusEnvelope.SubscriptionFilter("o'brien"));

    /// <summary>The message as a receiver gets it.</summary>
    private static ServiceBusReceivedMessage Received(ServiceBusMessage message, int deliveryCount = 1, long sequenceNumber = 1) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: message.Body,
            messageId: message.MessageId,
            correlationId: message.CorrelationId,
            subject: message.Subject,
            contentType: message.ContentType,
            properties: new Dictionary<string, object>(message.ApplicationProperties),
            deliveryCount: deliveryCount,
            sequenceNumber: sequenceNumber,
            enqueuedTime: DateTimeOffset.UtcNow);
}
