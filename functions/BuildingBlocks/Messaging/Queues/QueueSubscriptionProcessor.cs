using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.BuildingBlocks.Messaging.Queues;

/// <summary>
/// Receives one subscription's messages (a queue) and hands each to the service's handler
/// (<see cref="SubscriptionDispatch"/>: fresh DI scope, consumer span continuing the message's trace).
/// A message that fails is delivered again with backoff; after <see cref="BusTopology.MaxDeliveries"/>
/// failures it goes to the subscription's poison queue with the reason. A message that is no event
/// (not JSON, not an envelope, an envelope without its data: <see cref="IntegrationEvent.FromMessage"/>)
/// goes there at once, with its raw text and why. One message's trouble never stops the rest of its batch.
/// </summary>
public sealed class QueueSubscriptionProcessor<THandler>(
    string topic, string subscriber, QueueServiceClient queues, BusTopology topology, IServiceProvider services, ILogger<QueueSubscriptionProcessor<THandler>> logger,
    IServiceFaults? faults = null, BusFaults? busFaults = null)
    : BackgroundService
    where THandler : IIntegrationEventHandler
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = queues.GetQueueClient(BusTopology.QueueName(topic, subscriber));
        var deadLetters = queues.GetQueueClient(BusTopology.DeadLetterQueueName(topic, subscriber));
        var ready = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (faults.IsDown() || busFaults.IsDown())
            {
                await Task.Delay(Idle, stoppingToken);
                continue;
            }

            try
            {
                if (!ready)
                {
                    await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    await deadLetters.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    ready = true;
                }

                var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30), stoppingToken)).Value;
                await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
                    (message, ct) => new ValueTask(HandleIsolated(queue, deadLetters, message, ct)));

                if (messages.Length == 0)
                {
                    await Task.Delay(Idle, stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                ready = false; // the queue may have to be created again
                logger.LogWarning("Subscription {Queue} cannot receive: {Error}", queue.Name, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>
    /// One message of a batch: whatever goes wrong with it (a failed delete or dead-letter send) is
    /// logged and the message left to come again, so it never stops the rest of the batch.
    /// </summary>
    private async Task HandleIsolated(QueueClient queue, QueueClient deadLetters, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            await HandleOne(queue, deadLetters, message, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Message {QueueMessageId} in {Queue} (delivery {Delivery}) could not be settled; it comes again: {Error}",
                message.MessageId, queue.Name, message.DequeueCount, ex.Message);
        }
    }

    private async Task HandleOne(QueueClient queue, QueueClient deadLetters, QueueMessage message, CancellationToken stoppingToken)
    {
        IntegrationEvent e;
        var body = message.Body.ToString();
        try
        {
            e = IntegrationEvent.FromMessage(body);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            var unreadable = DeadLetterBody.Unreadable(message.MessageId, topic, body, "Unreadable message: " + ex.Message, (int)message.DequeueCount, DateTimeOffset.UtcNow);
            await DeadLetter(queue, deadLetters, message, unreadable, stoppingToken);
            return;
        }

        if (message.DequeueCount > topology.MaxDeliveries)
        {
            await DeadLetter(queue, deadLetters, message, new DeadLetterBody(e, $"Delivered {message.DequeueCount - 1} times without completing.", (int)message.DequeueCount), stoppingToken);
            return;
        }

        try
        {
            await SubscriptionDispatch.HandleAsync<THandler>(services, subscriber, queue.Name, e, logger, stoppingToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            if (message.DequeueCount >= topology.MaxDeliveries)
            {
                await DeadLetter(queue, deadLetters, message, new DeadLetterBody(e, $"{ex.GetType().Name}: {ex.Message}", (int)message.DequeueCount), stoppingToken);
                return;
            }

            logger.LogWarning("Message {MessageId} ({Type}) failed delivery {Delivery}: {Error}", e.MessageId, e.Type, message.DequeueCount, ex.Message);
            var backoff = TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * Math.Pow(2, message.DequeueCount)));
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: backoff, cancellationToken: stoppingToken);
        }
    }

    private async Task DeadLetter(QueueClient queue, QueueClient deadLetters, QueueMessage message, DeadLetterBody letter, CancellationToken cancellationToken)
    {
        logger.LogError("Message {MessageId} ({Type}) dead-lettered to {Queue}: {Reason}", letter.Event.MessageId, letter.Event.Type, deadLetters.Name, letter.Reason);
        await deadLetters.SendMessageAsync(letter.Serialize(), cancellationToken);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }
}
