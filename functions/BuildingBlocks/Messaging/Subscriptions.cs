using System.Diagnostics;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>A service's handler of the integration events it subscribes to. It must be idempotent (see <see cref="Outbox.TryMarkHandledAsync"/>).</summary>
public interface IIntegrationEventHandler
{
    Task HandleAsync(IntegrationEvent e, CancellationToken cancellationToken);
}

/// <summary>
/// Receives one subscription's messages (a queue) and hands each to the service's handler, in a
/// fresh DI scope, inside a consumer span that continues the message's trace. A message that fails
/// is delivered again with backoff; after <see cref="BusTopology.MaxDeliveries"/> failures it goes
/// to the subscription's dead-letter queue with the reason.
/// </summary>
public sealed class SubscriptionProcessor<THandler>(
    string topic, string subscriber, QueueServiceClient queues, BusTopology topology, IServiceProvider services, ILogger<SubscriptionProcessor<THandler>> logger,
    Hosting.IServiceFaults? faults = null)
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
            if (faults.IsDown())
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
                    (message, ct) => new ValueTask(HandleOne(queue, deadLetters, message, ct)));

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

    private async Task HandleOne(QueueClient queue, QueueClient deadLetters, QueueMessage message, CancellationToken stoppingToken)
    {
        IntegrationEvent e;
        try
        {
            e = IntegrationEvent.Deserialize(message.Body.ToString());
        }
        catch (System.Text.Json.JsonException ex)
        {
            var unreadable = new IntegrationEvent(message.MessageId, topic, "Unreadable", "", DateTimeOffset.UtcNow, "", null, null, default);
            await DeadLetter(queue, deadLetters, message, unreadable, "Unreadable message: " + ex.Message, stoppingToken);
            return;
        }

        if (message.DequeueCount > topology.MaxDeliveries)
        {
            await DeadLetter(queue, deadLetters, message, e, $"Delivered {message.DequeueCount - 1} times without completing.", stoppingToken);
            return;
        }

        using var activity = Telemetry.Tracing.StartSpan($"{subscriber} {e.Type}", subscriber, e.TraceParent, ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", e.MessageId);
        activity?.SetTag("messaging.destination.name", queue.Name);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = e.CorrelationId, ["MessageId"] = e.MessageId });
        try
        {
            await using var services1 = services.CreateAsyncScope();
            await services1.ServiceProvider.GetRequiredService<THandler>().HandleAsync(e, stoppingToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            if (message.DequeueCount >= topology.MaxDeliveries)
            {
                await DeadLetter(queue, deadLetters, message, e, $"{ex.GetType().Name}: {ex.Message}", stoppingToken);
                return;
            }

            logger.LogWarning("Message {MessageId} ({Type}) failed delivery {Delivery}: {Error}", e.MessageId, e.Type, message.DequeueCount, ex.Message);
            var backoff = TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * Math.Pow(2, message.DequeueCount)));
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: backoff, cancellationToken: stoppingToken);
        }
    }

    private async Task DeadLetter(QueueClient queue, QueueClient deadLetters, QueueMessage message, IntegrationEvent e, string reason, CancellationToken cancellationToken)
    {
        logger.LogError("Message {MessageId} ({Type}) dead-lettered to {Queue}: {Reason}", e.MessageId, e.Type, deadLetters.Name, reason);
        await deadLetters.SendMessageAsync(new DeadLetterBody(e, reason, (int)message.DequeueCount).Serialize(), cancellationToken);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }
}
