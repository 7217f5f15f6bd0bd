using Serverless.BuildingBlocks.Storage;
using Serverless.Notifications.Sending;

namespace Serverless.IntegrationTests.Notifications;

/// <summary>
/// What every <see cref="INotificationStore"/> adapter (and the local <see cref="IEmailSender"/> that
/// records mail beside it) must do. An adapter's test class supplies a fresh store with its sender,
/// and back doors to read the recorded mail and to damage a stored notification.
/// </summary>
public abstract class NotificationStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    protected abstract Task<(INotificationStore Store, IEmailSender Email)> CreateAsync();

    /// <summary>The mail recorded as sent for <paramref name="notification"/>: (recipient, subject) each time it was recorded.</summary>
    protected abstract Task<IReadOnlyList<(string Recipient, string Subject)>> SentAsync(INotificationStore store, string customerId, Notification notification);

    /// <summary>Makes the stored <paramref name="notification"/> of <paramref name="customerId"/> unreadable, behind the store's back.</summary>
    protected abstract Task CorruptAsync(INotificationStore store, string customerId, Notification notification);

    [Fact]
    public async Task ANotification_IsRecordedTheFirstTimeOnly_WhateverMessageBringsItAgain()
    {
        // Given a store
        var (store, _) = await CreateAsync();
        var received = Received("order-1");

        // When the same message comes twice, and another message for the same order and type once
        var first = await store.TryAddAsync("m-1", "alice", received);
        var redelivered = await store.TryAddAsync("m-1", "alice", received);
        var duplicate = await store.TryAddAsync("m-2", "alice", received with { At = T0.AddMinutes(5) });

        // Then only the first counted, and the customer has it once, as first recorded
        Assert.Equal((true, false, false), (first, redelivered, duplicate));
        Assert.Equal([received], await store.ForCustomerAsync("alice"));
    }

    [Fact]
    public async Task ConcurrentDeliveries_OfOneNotification_RecordItOnce()
    {
        var (store, _) = await CreateAsync();
        var confirmed = new Notification("order-1:OrderConfirmed", "OrderConfirmed", "order-1", T0);

        var added = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => store.TryAddAsync($"m-{i % 4}", "alice", confirmed))));

        Assert.Single(added, a => a);
        Assert.Single(await store.ForCustomerAsync("alice"));
    }

    [Fact]
    public async Task ACustomer_SeesOnlyTheirOwn_NewestFirst()
    {
        var (store, _) = await CreateAsync();
        await store.TryAddAsync("m-1", "alice", Received("order-1"));
        await store.TryAddAsync("m-2", "alice", Received("order-2", minute: 3));
        await store.TryAddAsync("m-3", "bob", Received("order-3", minute: 1));
        await store.TryAddAsync("m-4", "alice", new Notification("order-1:OrderConfirmed", "OrderConfirmed", "order-1", T0.AddMinutes(2)));

        Assert.Equal(["order-2:OrderReceived", "order-1:OrderConfirmed", "order-1:OrderReceived"], (await store.ForCustomerAsync("alice")).Select(n => n.Id));
        Assert.Equal(["order-3:OrderReceived"], (await store.ForCustomerAsync("bob")).Select(n => n.Id));
        Assert.Empty(await store.ForCustomerAsync("carol"));
    }

    [Fact]
    public async Task ACustomersNotifications_InPages_AreTheFullList_NoneRepeatedOrSkipped_EvenWithNewOnesMeanwhile()
    {
        // Given five of alice's, two at the same instant (the id breaks the tie), and one of bob's
        var (store, _) = await CreateAsync();
        foreach (var (order, minute) in new[] { ("order-1", 1), ("order-2", 3), ("order-3", 3), ("order-4", 2), ("order-5", 9) })
        {
            await store.TryAddAsync("m-" + order, "alice", Received(order, minute));
        }

        await store.TryAddAsync("m-bob", "bob", Received("order-6", 4));
        var all = (await store.ForCustomerAsync("alice")).Select(n => n.Id).ToList();

        for (var limit = 1; limit <= 6; limit++)
        {
            var walked = new List<string>();
            string? next = null;
            do
            {
                var page = await store.ForCustomerAsync("alice", limit, next);
                Assert.InRange(page.Items.Count, page.Next is null ? 0 : limit, limit);
                walked.AddRange(page.Items.Select(n => n.Id));
                next = page.Next;
            }
            while (next is not null);
            Assert.Equal(all, walked);
        }

        // A newer notification between two page reads is before the position: the rest neither repeats nor skips.
        var first = await store.ForCustomerAsync("alice", 2, null);
        await store.TryAddAsync("m-new", "alice", Received("order-7", 30));
        var rest = new List<string>();
        for (var next = first.Next; next is not null;)
        {
            var page = await store.ForCustomerAsync("alice", 2, next);
            rest.AddRange(page.Items.Select(n => n.Id));
            next = page.Next;
        }

        Assert.Equal(all.Skip(2), rest);
        Assert.Empty((await store.ForCustomerAsync("carol", 10, null)).Items);
        await Assert.ThrowsAsync<FormatException>(() => store.ForCustomerAsync("alice", 2, "not a position"));
    }

    [Theory]
    [InlineData("", "order-1")]
    [InlineData("a/b", "order-1")]
    [InlineData("alice", "order?1")]
    public async Task IdsNoStoreCanHold_AreRefused_AndChangeNothing(string customerId, string orderId)
    {
        var (store, _) = await CreateAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.TryAddAsync("m-1", customerId, Received(orderId)));

        Assert.True(await store.TryAddAsync("m-1", "alice", Received("order-1")));
    }

    [Fact]
    public async Task AMalformedStoredNotification_FailsWithAClearError()
    {
        var (store, _) = await CreateAsync();
        var received = Received("order-1");
        await store.TryAddAsync("m-1", "alice", received);

        await CorruptAsync(store, "alice", received);

        var error = await Assert.ThrowsAsync<CorruptDocumentException>(() => store.ForCustomerAsync("alice"));
        Assert.Contains(received.Id, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEmail_IsRecordedOnce_HoweverOftenItIsSent()
    {
        // Given a recorded notification
        var (store, email) = await CreateAsync();
        var received = Received("order-1");
        await store.TryAddAsync("m-1", "alice", received);

        // When it is sent three times, two of them at once
        await email.SendAsync(received, "alice");
        await Task.WhenAll(email.SendAsync(received, "alice"), email.SendAsync(received, "alice"));

        // Then one mail went to alice about it
        Assert.Equal([("alice", "Your order order-1: OrderReceived")], await SentAsync(store, "alice", received));
    }

    private static Notification Received(string orderId, int minute = 0) => new($"{orderId}:OrderReceived", "OrderReceived", orderId, T0.AddMinutes(minute));
}
