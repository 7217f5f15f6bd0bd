using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.IntegrationTests.Skipping;

namespace Serverless.IntegrationTests.Messaging;

/// <summary>
/// What every bus adapter must do, through the ports only (<see cref="IMessageBus"/>,
/// <see cref="ISubscriptionHost"/>, <see cref="IDeadLetters"/>) wired by <see cref="MessagingExtensions.AddBus"/>
/// from the adapter's <c>Bus:*</c> settings, as a service gets them. Each test has a topic of its own
/// with one subscription, so it sees only its own messages and dead letters. An adapter's test class
/// derives from this and supplies the settings and a back door for a message that is no event.
/// </summary>
public abstract class BusContract : IAsyncLifetime
{
    protected const string Subscriber = "contract";
    protected const int MaxDeliveries = 3;

    /// <summary>Long enough for a message that should not come (again) to have come.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    private readonly List<IHostedService> _receivers = [];
    private ServiceProvider? _services;

    /// <summary>This test's own topic (letters, digits and '-' only: it names queues as well as topics).</summary>
    protected string Topic { get; } = "t" + Guid.NewGuid().ToString("N")[..10];

    protected IServiceProvider Services => _services ?? throw new InvalidOperationException("Not initialized.");

    protected IMessageBus Bus => Services.GetRequiredService<IMessageBus>();

    protected IDeadLetters DeadLetters => Services.GetRequiredService<IDeadLetters>();

    protected RecordingHandler Handler => Services.GetRequiredService<RecordingHandler>();

    /// <summary>How long the adapter may take to deliver, dead-letter or count.</summary>
    protected virtual TimeSpan Within => TimeSpan.FromSeconds(30);

    /// <summary>The <c>Bus:*</c> settings that select and reach the adapter under test.</summary>
    protected abstract IReadOnlyDictionary<string, string?> BusSettings();

    /// <summary>Puts a message whose body is <paramref name="body"/> (not an integration event) on the test's subscription, behind the bus's back.</summary>
    protected abstract Task SendUnreadableAsync(string body);

    /// <summary>Removes what the test created on the bus.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    [ContractFact]
    public async Task Publish_TheSubscriberGetsTheEventOnce_WithEveryEnvelopeFieldIntact()
    {
        await StartReceivingAsync();
        var e = new IntegrationEvent(
            Guid.NewGuid().ToString("N"), Topic, "OrderPlaced", "order-1", new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(9)).AddTicks(1234567),
            "correlation-1", "causation-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            JsonSerializer.SerializeToElement(new { customerId = "alice", total = 25.5m, lines = new[] { new { sku = "SKU-1", quantity = 2 } } }));

        await Bus.PublishAsync([e], CancellationToken.None);

        var got = await Eventually(() => Task.FromResult(Handler.Deliveries.FirstOrDefault()));
        await Task.Delay(Settle);
        Assert.Single(Handler.Deliveries);
        Assert.Equal(e with { Data = default }, got with { Data = default });
        Assert.Equal(e.At.Offset, got.At.Offset);
        Assert.True(JsonElement.DeepEquals(e.Data, got.Data), $"Data changed: {got.Data.GetRawText()}");
    }

    [ContractFact]
    public async Task AHandlerThatAlwaysFails_AfterMaxDeliveries_LeavesADeadLetterWithTheReason_ListedAndCounted()
    {
        Handler.FailWith = "the projection is broken";
        await StartReceivingAsync();
        var e = NewEvent("order-poison");

        var letter = await PublishUntilDeadAsync(e);

        Assert.Equal(MaxDeliveries, Handler.DeliveriesOf(e.MessageId));
        Assert.Contains("the projection is broken", letter.Reason, StringComparison.Ordinal);
        Assert.Equal((e.Type, e.Subject), (letter.Type, letter.Subject));
        await Eventually(async () => await DeadLetters.CountAsync(CancellationToken.None) == 1);
        Assert.Empty(Handler.Effects);
    }

    [ContractFact]
    public async Task Replay_HandlesTheDeadLetterOnceMore_AndTheEffectIsOnce()
    {
        Handler.FailWith = "the projection is broken";
        await StartReceivingAsync();
        var e = NewEvent("order-replayed");
        await PublishUntilDeadAsync(e);

        // When the bug is fixed and an operator replays the dead letters
        Handler.FailWith = null;
        Assert.Equal(1, await DeadLetters.ReplayAsync(CancellationToken.None));

        // Then the event is handled once more, the same event, with one effect, and no dead letter is left
        var handled = await Eventually(() => Task.FromResult(Handler.Effects.GetValueOrDefault(e.MessageId)));
        await Eventually(async () => await DeadLetters.CountAsync(CancellationToken.None) == 0);
        await Task.Delay(Settle);
        Assert.Equal(MaxDeliveries + 1, Handler.DeliveriesOf(e.MessageId));
        Assert.Equal(e with { Data = default }, handled with { Data = default });
        Assert.Single(Handler.Effects);
        Assert.Empty(await DeadLetters.ListAsync(CancellationToken.None));
    }

    [ContractFact]
    public async Task Purge_LeavesNoDeadLetters()
    {
        Handler.FailWith = "the projection is broken";
        await StartReceivingAsync();
        await Bus.PublishAsync([NewEvent("order-a"), NewEvent("order-b")], CancellationToken.None);
        await Eventually(async () => (await DeadLetters.ListAsync(CancellationToken.None)).Count == 2);
        await Eventually(async () => await DeadLetters.CountAsync(CancellationToken.None) == 2);

        Assert.Equal(2, await DeadLetters.PurgeAsync(CancellationToken.None));

        await Eventually(async () => await DeadLetters.CountAsync(CancellationToken.None) == 0);
        Assert.Empty(await DeadLetters.ListAsync(CancellationToken.None));
    }

    [ContractFact]
    public async Task AnUnreadableMessage_IsDeadLetteredAtOnce_NotRetried()
    {
        await StartReceivingAsync();

        await SendUnreadableAsync("this is not an integration event");

        var letter = await Eventually(async () => (await DeadLetters.ListAsync(CancellationToken.None)).FirstOrDefault());
        Assert.Contains("unreadable", letter.Reason, StringComparison.OrdinalIgnoreCase);
        await Eventually(async () => await DeadLetters.CountAsync(CancellationToken.None) == 1);
        await Task.Delay(Settle);
        Assert.Empty(Handler.Deliveries);
        Assert.Single(await DeadLetters.ListAsync(CancellationToken.None));
        Assert.Equal(1, await DeadLetters.CountAsync(CancellationToken.None));
    }

    [ContractFact]
    public async Task AJsonArray_IsDeadLetteredAtOnce_AsUnreadable_NotHandled() =>
        await AssertDeadLetteredAtOnceAsUnreadable("[1,2,3]");

    [ContractFact]
    public async Task AnEnvelopeWithoutData_IsDeadLetteredAtOnce_AsUnreadable_NotHandled() =>
        await AssertDeadLetteredAtOnceAsUnreadable(EnvelopeWithoutData("no-data-1"));

    [ContractFact]
    public async Task UnreadableMessages_DoNotHoldUpTheGoodOnesInTheSameBatch_AndReplayPurgeStillWork()
    {
        // Given good events and unreadable messages waiting together, so one receive gets them all
        var good = Enumerable.Range(1, 5).Select(i => NewEvent($"order-good-{i}")).ToList();
        string[] bad = ["not json", "[1,2,3]", EnvelopeWithoutData("no-data-2")];
        await SendUnreadableAsync(bad[0]); // creates what the adapter needs for the subscription
        await Bus.PublishAsync(good[..2], CancellationToken.None);
        await SendUnreadableAsync(bad[1]);
        await SendUnreadableAsync(bad[2]);
        await Bus.PublishAsync(good[2..], CancellationToken.None);

        await StartReceivingAsync();

        // Then every good one is handled long before a lost batch would come back (30 s), and each bad one is one dead letter
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (good.Any(e => !Handler.Effects.ContainsKey(e.MessageId)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Only {Handler.Effects.Count} of {good.Count} good events handled: the unreadable ones held up their batch.");
            await Task.Delay(100);
        }

        await Eventually(async () => (await DeadLetters.ListAsync(CancellationToken.None)).Count == bad.Length);
        await Task.Delay(Settle);
        var letters = await DeadLetters.ListAsync(CancellationToken.None);
        Assert.Equal(bad.Length, letters.Count);
        Assert.All(letters, l => Assert.Contains("unreadable", l.Reason, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(good.Count, Handler.Deliveries.Count);
        Assert.All(Handler.Deliveries, e => Assert.Contains(good, g => g.MessageId == e.MessageId));

        // And the unreadable dead letters can be purged like any other
        Assert.Equal(bad.Length, await DeadLetters.PurgeAsync(CancellationToken.None));
        await Eventually(async () => await DeadLetters.CountAsync(CancellationToken.None) == 0);
    }

    [ContractFact]
    public async Task AnUnreadableDeadLetter_Replayed_IsDeadLetteredAgain_NotHandled()
    {
        await StartReceivingAsync();
        await SendUnreadableAsync(EnvelopeWithoutData("no-data-3"));
        await Eventually(async () => (await DeadLetters.ListAsync(CancellationToken.None)).Count == 1);

        Assert.Equal(1, await DeadLetters.ReplayAsync(CancellationToken.None));

        await Eventually(async () => (await DeadLetters.ListAsync(CancellationToken.None)).Count == 1);
        await Task.Delay(Settle);
        Assert.Empty(Handler.Deliveries);
        var letter = Assert.Single(await DeadLetters.ListAsync(CancellationToken.None));
        Assert.Contains("unreadable", letter.Reason, StringComparison.OrdinalIgnoreCase);
    }

    public Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(BusSettings()).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new BusTopology(new Dictionary<string, string[]> { [Topic] = [Subscriber] }, MaxDeliveries));
        services.AddBus(configuration);
        services.AddSingleton<RecordingHandler>();
        _services = services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var receiver in _receivers)
        {
            await receiver.StopAsync(CancellationToken.None);
        }

        if (_services is not null)
        {
            await CleanUpAsync();
            await _services.DisposeAsync();
        }
    }

    /// <summary>Starts the subscription's receiver for <see cref="RecordingHandler"/>, as <c>AddSubscriber</c> would.</summary>
    protected async Task StartReceivingAsync()
    {
        var receiver = Services.GetRequiredService<ISubscriptionHost>().Receive<RecordingHandler>(Topic, Subscriber);
        await receiver.StartAsync(CancellationToken.None);
        _receivers.Add(receiver);
    }

    protected IntegrationEvent NewEvent(string orderId) =>
        IntegrationEvent.Create(Topic, "OrderPlaced", orderId, new { customerId = "alice" }, DateTimeOffset.UtcNow);

    /// <summary>An envelope with every field but <c>data</c>: JSON, but no event.</summary>
    protected string EnvelopeWithoutData(string messageId) =>
        $$"""{"messageId":"{{messageId}}","topic":"{{Topic}}","type":"OrderPlaced","subject":"order-1","at":"2026-03-04T05:06:07+00:00","correlationId":"order-1"}""";

    private async Task AssertDeadLetteredAtOnceAsUnreadable(string body)
    {
        await StartReceivingAsync();

        await SendUnreadableAsync(body);

        var letter = await Eventually(async () => (await DeadLetters.ListAsync(CancellationToken.None)).FirstOrDefault());
        Assert.Contains("unreadable", letter.Reason, StringComparison.OrdinalIgnoreCase);
        await Eventually(async () => await DeadLetters.CountAsync(CancellationToken.None) == 1);
        await Task.Delay(Settle);
        Assert.Empty(Handler.Deliveries);
        Assert.Single(await DeadLetters.ListAsync(CancellationToken.None));
    }

    private async Task<DeadLetter> PublishUntilDeadAsync(IntegrationEvent e)
    {
        await Bus.PublishAsync([e], CancellationToken.None);
        return await Eventually(async () => (await DeadLetters.ListAsync(CancellationToken.None)).SingleOrDefault(l => l.MessageId == e.MessageId));
    }

    protected async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Within;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition was not met before the deadline.");
            await Task.Delay(100);
        }
    }

    protected async Task<T> Eventually<T>(Func<Task<T?>> value)
        where T : class
    {
        T? result = null;
        await Eventually(async () => (result = await value()) is not null);
        return result!;
    }
}
