using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.BuildingBlocks.Messaging.ServiceBus;

/// <summary>
/// Receives one Service Bus subscription with a <see cref="ServiceBusProcessor"/> in peek-lock mode and
/// hands each event to the service's handler (<see cref="SubscriptionDispatch"/>: fresh DI scope,
/// consumer span continuing the message's <c>traceparent</c>). The message is completed only after the
/// handler succeeds; a failure abandons it, so it comes again until the last allowed delivery, where
/// it is dead-lettered with the error (<see cref="ServiceBusEnvelope.AfterFailure"/>; the broker's
/// MaxDeliveryCount is the backstop, e.g. when a process dies holding the lock). A message that is
/// no event is dead-lettered at once. Abandoned messages come again at once: Service Bus has no
/// visibility backoff like the queues' (scheduling a copy would lose the delivery count).
/// </summary>
public sealed class ServiceBusSubscriptionProcessor<THandler>(
    string topic, string subscriber, ServiceBusConnection connection, ServiceBusEntities entities, BusTopology topology, IServiceProvider services,
    ILogger<ServiceBusSubscriptionProcessor<THandler>> logger, IServiceFaults? faults = null)
    : BackgroundService
    where THandler : IIntegrationEventHandler
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(50);

    public static ServiceBusProcessorOptions ProcessorOptions => new()
    {
        ReceiveMode = ServiceBusReceiveMode.PeekLock,
        AutoCompleteMessages = false,
        MaxConcurrentCalls = 8,
        MaxAutoLockRenewalDuration = TimeSpan.FromMinutes(5),
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var processor = connection.Client.CreateProcessor(topic, subscriber, ProcessorOptions);
        processor.ProcessMessageAsync += HandleAsync;
        processor.ProcessErrorAsync += args =>
        {
            logger.LogWarning("Subscription {Entity} cannot receive ({Source}): {Error}", args.EntityPath, args.ErrorSource, args.Exception.Message);
            return Task.CompletedTask;
        };

        // The subscription must exist before receiving (created here when the identity may manage
        // entities). Until it can start, retry with backoff: a failed hosted service would stop the host.
        var failures = 0;
        while (true)
        {
            try
            {
                await entities.EnsureSubscriptionAsync(topic, subscriber, stoppingToken);
                await processor.StartProcessingAsync(stoppingToken);
                break;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                logger.LogWarning("Subscription {Topic}/{Subscriber} cannot start ({Failures} in a row): {Error}", topic, subscriber, failures, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(failures, 10)))), stoppingToken);
            }
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await processor.StopProcessingAsync(CancellationToken.None);
        }
    }

    private async Task HandleAsync(ProcessMessageEventArgs args)
    {
        var message = args.Message;
        var cancellationToken = args.CancellationToken;
        while (faults.IsDown())
        {
            await Task.Delay(Idle, cancellationToken); // the local fault switch: hold the message (its lock is renewed) until up
        }

        var disposition = ServiceBusEnvelope.Receive(message, topic, subscriber, topology.MaxDeliveries);
        if (disposition.Kind == DispositionKind.Skip)
        {
            await args.CompleteMessageAsync(message, cancellationToken);
            return;
        }

        if (disposition.Kind == DispositionKind.DeadLetter)
        {
            await DeadLetterAsync(args, disposition);
            return;
        }

        var e = disposition.Event!;
        try
        {
            await SubscriptionDispatch.HandleAsync<THandler>(services, subscriber, args.EntityPath, e, logger, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var failure = ServiceBusEnvelope.AfterFailure(message, ex, topology.MaxDeliveries);
            if (failure.Kind == DispositionKind.DeadLetter)
            {
                await DeadLetterAsync(args, failure);
                return;
            }

            logger.LogWarning("Message {MessageId} ({Type}) failed delivery {Delivery}: {Error}", e.MessageId, e.Type, message.DeliveryCount, ex.Message);
            await args.AbandonMessageAsync(message, failure.Properties!.ToDictionary(), cancellationToken);
            return;
        }

        await args.CompleteMessageAsync(message, cancellationToken);
    }

    private async Task DeadLetterAsync(ProcessMessageEventArgs args, MessageDisposition disposition)
    {
        logger.LogError("Message {MessageId} ({Type}) dead-lettered in {Entity}: {Reason}: {Description}",
            disposition.Event?.MessageId ?? args.Message.MessageId, disposition.Event?.Type ?? args.Message.Subject, args.EntityPath, disposition.Reason, disposition.Description);
        await args.DeadLetterMessageAsync(args.Message, disposition.Properties?.ToDictionary() ?? [], disposition.Reason, disposition.Description, args.CancellationToken);
    }
}
