using System.Collections.Concurrent;
using DurableTask.Core;
using DurableTask.Core.History;

namespace Serverless.AppHost.Durable;

/// <summary>
/// Wraps the Azure Storage provider for the task hub server, which (in the InProcessTestHost preview)
/// has two gaps that Durable Functions' own host does not: it never renews activity locks, so an
/// activity running longer than the visibility timeout would be delivered twice; and Azure Storage
/// visibility delays are whole seconds, truncated, so durable timers would fire up to 1 s early.
/// This keeps in-flight activity messages invisible until they complete, pads timers by 1 s, and
/// on shutdown hands in-flight activities back to the queue so a restart runs them at once.
/// </summary>
public sealed class RenewingOrchestrationService(IOrchestrationService inner, TimeSpan renewInterval) : IOrchestrationService
{
    private readonly ConcurrentDictionary<string, (CancellationTokenSource Stop, Task Loop, TaskActivityWorkItem Item)> _inFlight = new();
    private readonly Lock _stopping = new();
    private Task? _stopped;

    public async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var item = await inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
        if (item is not null)
        {
            var stop = new CancellationTokenSource();
            _inFlight[item.Id] = (stop, Task.Run(() => RenewUntilStopped(item, stop.Token), CancellationToken.None), item);
        }

        return item!;
    }

    public async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        await StopRenewing(workItem);
        await inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    }

    public async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        await StopRenewing(workItem);
        await inner.AbandonTaskActivityWorkItemAsync(workItem);
    }

    /// <summary>Graceful stop: give every in-flight activity back to the queue now rather than after the visibility timeout.</summary>
    public async Task<int> AbandonInFlightActivitiesAsync()
    {
        var count = 0;
        foreach (var (_, entry) in _inFlight.ToArray())
        {
            try
            {
                await AbandonTaskActivityWorkItemAsync(entry.Item);
                count++;
            }
            catch (Exception ex) when (ex is InvalidOperationException or Azure.RequestFailedException)
            {
                // Best effort: the visibility timeout brings it back anyway.
            }
        }

        return count;
    }

    public Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState)
    {
        foreach (var message in timerMessages)
        {
            if (message.Event is TimerFiredEvent timer)
            {
                timer.FireAt = timer.FireAt.AddSeconds(1);
            }
        }

        return inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
    }

    private async Task RenewUntilStopped(TaskActivityWorkItem item, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(renewInterval, stop);
                try
                {
                    await inner.RenewTaskActivityWorkItemLockAsync(item);
                }
                catch (Exception ex) when (!stop.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    // Best effort; the next tick tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task StopRenewing(TaskActivityWorkItem item)
    {
        if (_inFlight.TryRemove(item.Id, out var entry))
        {
            await entry.Stop.CancelAsync();
            await entry.Loop;
            entry.Stop.Dispose();
        }
    }

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);
    public Task StartAsync() => inner.StartAsync();
    public Task StopAsync() => StopAsync(isForced: false);

    /// <summary>
    /// Stops the provider once, however many ask: the task hub server stops it from an application-stopping
    /// callback (async void, so a throw there kills the process) while the AppHost stops it too.
    /// </summary>
    public Task StopAsync(bool isForced)
    {
        lock (_stopping)
        {
            return _stopped ??= StopOnceAsync(isForced);
        }
    }

    private async Task StopOnceAsync(bool isForced)
    {
        try
        {
            await inner.StopAsync(isForced);
        }
        catch (Exception ex) when (ex is NullReferenceException or ObjectDisposedException or InvalidOperationException)
        {
            // DurableTask.AzureStorage's lease manager can throw while it stops (seen on Ctrl+C after a
            // minute of running); its leases expire on their own and the next start takes them over.
        }
    }

    public Task CreateAsync() => inner.CreateAsync();
    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);
    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();
    public Task DeleteAsync() => inner.DeleteAsync();
    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);
    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;
    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;
    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) => inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);
    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;
    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;
}
