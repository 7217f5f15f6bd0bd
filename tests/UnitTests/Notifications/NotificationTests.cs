using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Messaging;
using Serverless.Notifications.Sending;

namespace Serverless.UnitTests.Notifications;

public sealed class NotificationTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("OrderPlaced", "OrderReceived")]
    [InlineData("OrderConfirmed", "OrderConfirmed")]
    [InlineData("OrderCancelled", "OrderCancelled")]
    public void AnOrderEventCustomersHearOf_MapsToOneNotificationPerOrderAndType(string eventType, string notified)
    {
        var mapped = Notification.For(Event(eventType));

        Assert.Equal(("alice", new Notification($"order-1:{notified}", notified, "order-1", At)), mapped);
    }

    [Theory]
    [InlineData("orders", "StockReserved")]
    [InlineData("orders", "PaymentCharged")]
    [InlineData("payments", "OrderPlaced")]
    public void OtherEvents_CallForNoNotification(string topic, string type) =>
        Assert.Null(Notification.For(Event(type) with { Topic = topic }));

    [Fact]
    public void AnEventNamingNoCustomer_IsRefused() =>
        Assert.Throws<JsonException>(() => Notification.For(IntegrationEvent.Create("orders", "OrderPlaced", "order-1", new { version = 1 }, At)));

    [Fact]
    public async Task Handler_RecordsAndSendsOnce_HoweverOftenTheEventComes()
    {
        // Given a store and a sender
        var store = new FakeStore();
        var email = new FakeSender();
        var handler = new OrderEventsHandler(store, email, NullLogger<OrderEventsHandler>.Instance);

        // When the placement comes three times, and the stock reservation once
        var placed = Event("OrderPlaced");
        foreach (var e in new[] { placed, placed, Event("StockReserved"), placed })
        {
            await handler.HandleAsync(e, CancellationToken.None);
        }

        // Then one notification, one e-mail to the customer
        Assert.Equal(["order-1:OrderReceived"], store.Added.Select(n => n.Id));
        Assert.Equal([("order-1:OrderReceived", "alice")], email.Sent.Select(s => (s.Key, s.Value)));
    }

    [Fact]
    public async Task Handler_ThatFailedBetweenRecordingAndSending_SendsOnTheRedelivery()
    {
        // Given the first delivery recorded the notification, then the sender failed
        var store = new FakeStore();
        var email = new FakeSender { FailNext = true };
        var handler = new OrderEventsHandler(store, email, NullLogger<OrderEventsHandler>.Instance);
        var placed = Event("OrderPlaced");
        await Assert.ThrowsAsync<HttpRequestException>(() => handler.HandleAsync(placed, CancellationToken.None));

        // When the message is delivered again
        await handler.HandleAsync(placed, CancellationToken.None);

        // Then the e-mail went out, and the notification is still recorded once
        Assert.Single(store.Added);
        Assert.Equal(["order-1:OrderReceived"], email.Sent.Keys);
    }

    private static IntegrationEvent Event(string type) =>
        IntegrationEvent.Create("orders", type, "order-1", new { orderId = "order-1", customerId = "alice", version = 1 }, At, messageId: "m-" + type);

    private sealed class FakeStore : INotificationStore
    {
        private readonly ConcurrentDictionary<string, Notification> _byId = new();

        public IReadOnlyList<Notification> Added => [.. _byId.Values];

        public Task<bool> TryAddAsync(string messageId, string customerId, Notification notification, CancellationToken cancellationToken = default) =>
            Task.FromResult(_byId.TryAdd(notification.Id, notification));

        public Task<IReadOnlyList<Notification>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<Notification>>([.. _byId.Values]);

        public Task<Serverless.BuildingBlocks.Http.Page<Notification>> ForCustomerAsync(string customerId, int limit, string? after, CancellationToken cancellationToken = default) =>
            Task.FromResult(Serverless.BuildingBlocks.Http.Paging.NewestFirst(_byId.Values.Order(Notification.NewestFirst), limit, after, n => n.At, n => n.Id));
    }

    private sealed class FakeSender : IEmailSender
    {
        public bool FailNext { get; set; }

        public ConcurrentDictionary<string, string> Sent { get; } = new();

        public Task SendAsync(Notification notification, string recipient, CancellationToken cancellationToken = default)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new HttpRequestException("mail provider unreachable");
            }

            Sent.TryAdd(notification.Id, recipient);
            return Task.CompletedTask;
        }
    }
}
