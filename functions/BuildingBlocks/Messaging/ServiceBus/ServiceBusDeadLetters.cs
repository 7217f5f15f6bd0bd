using Azure;
using Azure.Messaging.ServiceBus;

namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>
/// Service Bus dead letters: each subscription's dead-letter queue (<c>{topic}/Subscriptions/{subscriber}/$DeadLetterQueue</c>).
/// The broker puts a message there after MaxDeliveryCount deliveries; the receiver puts one there at
/// once when it is unreadable, or on the last failed delivery with the error (<see cref="ServiceBusEnvelope.AfterFailure"/>).
/// </summary>
public sealed class ServiceBusDeadLetters(ServiceBusConnection connection, BusTopology topology) : IDeadLetters
{
    /// <summary>How many dead letters a list shows per subscription.</summary>
    public const int ListLimit = 250;

    private static readonly TimeSpan EmptyWait = TimeSpan.FromSeconds(2);
    private volatile bool _runtimePropertiesAllowed = true;

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            letters.AddRange(await IfTheSubscriptionExists<IReadOnlyList<DeadLetter>>([], async () =>
            {
                await using var receiver = DeadLetterReceiver(topic, subscriber, ServiceBusReceiveMode.PeekLock);
                var peeked = await receiver.PeekMessagesAsync(ListLimit, cancellationToken: cancellationToken);
                return peeked.Select(m => ServiceBusEnvelope.ToDeadLetter(m, receiver.EntityPath)).ToList();
            }));
        }

        return letters;
    }

    /// <summary>The subscriptions' dead-letter counts from the runtime properties; by peeking when the identity may not read those.</summary>
    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        long count = 0;
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            count += await IfTheSubscriptionExists(0L, () => CountAsync(topic, subscriber, cancellationToken));
        }

        return (int)Math.Min(count, int.MaxValue);
    }

    /// <summary>
    /// Receives each dead letter (peek-lock), sends its <see cref="ServiceBusEnvelope.ReplayCopy"/> to
    /// the topic, then completes it. At most as many as were there when it began, so letters that die
    /// again meanwhile are not replayed in a loop.
    /// </summary>
    public async Task<int> ReplayAsync(CancellationToken cancellationToken)
    {
        var replayed = 0;
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            replayed += await IfTheSubscriptionExists(0, () => ReplayAsync(topic, subscriber, cancellationToken));
        }

        return replayed;
    }

    /// <summary>Receives and deletes every dead letter.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var purged = 0;
        foreach (var (topic, subscriber) in topology.Subscriptions())
        {
            purged += await IfTheSubscriptionExists(0, () => PurgeAsync(topic, subscriber, cancellationToken));
        }

        return purged;
    }

    private async Task<int> ReplayAsync(string topic, string subscriber, CancellationToken cancellationToken)
    {
        await using var receiver = DeadLetterReceiver(topic, subscriber, ServiceBusReceiveMode.PeekLock);
        var remaining = await PeekCountAsync(receiver, cancellationToken);
        var sender = connection.Sender(topic);
        var replayed = 0;
        while (remaining > 0)
        {
            var batch = await receiver.ReceiveMessagesAsync((int)Math.Min(remaining, 100), EmptyWait, cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                // Sent first, completed after: a crash between the two leaves the letter to be replayed again,
                // and the copy's stable MessageId lets the topic's duplicate detection drop the second copy.
                await sender.SendMessageAsync(ServiceBusEnvelope.ReplayCopy(message, subscriber), cancellationToken);
                await receiver.CompleteMessageAsync(message, cancellationToken);
                replayed++;
                remaining--;
            }
        }

        return replayed;
    }

    private async Task<int> PurgeAsync(string topic, string subscriber, CancellationToken cancellationToken)
    {
        await using var receiver = DeadLetterReceiver(topic, subscriber, ServiceBusReceiveMode.ReceiveAndDelete);
        var purged = 0;
        while (true)
        {
            var batch = await receiver.ReceiveMessagesAsync(250, EmptyWait, cancellationToken);
            if (batch.Count == 0)
            {
                return purged;
            }

            purged += batch.Count;
        }
    }

    /// <summary>A subscription that does not exist (yet) has no dead letters, as a poison queue that does not exist has none.</summary>
    private static async Task<T> IfTheSubscriptionExists<T>(T none, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ServiceBusException ex) when (ex.Reason == ServiceBusFailureReason.MessagingEntityNotFound)
        {
            return none;
        }
    }

    private async Task<long> CountAsync(string topic, string subscriber, CancellationToken cancellationToken)
    {
        if (_runtimePropertiesAllowed)
        {
            try
            {
                return (await connection.Administration.GetSubscriptionRuntimePropertiesAsync(topic, subscriber, cancellationToken)).Value.DeadLetterMessageCount;
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is RequestFailedException { Status: 401 or 403 })
            {
                _runtimePropertiesAllowed = false;
            }
        }

        await using var receiver = DeadLetterReceiver(topic, subscriber, ServiceBusReceiveMode.PeekLock);
        return await PeekCountAsync(receiver, cancellationToken);
    }

    private static async Task<long> PeekCountAsync(ServiceBusReceiver receiver, CancellationToken cancellationToken)
    {
        long count = 0;
        long? from = null;
        while (true)
        {
            var page = await receiver.PeekMessagesAsync(250, from, cancellationToken);
            if (page.Count == 0)
            {
                return count;
            }

            count += page.Count;
            from = page[^1].SequenceNumber + 1;
        }
    }

    private ServiceBusReceiver DeadLetterReceiver(string topic, string subscriber, ServiceBusReceiveMode mode) =>
        connection.Client.CreateReceiver(topic, subscriber, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter, ReceiveMode = mode });
}
