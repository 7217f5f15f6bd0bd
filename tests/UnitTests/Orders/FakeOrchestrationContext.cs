using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Orders.Saga;

namespace Serverless.UnitTests.Orders;

/// <summary>One activity call as the orchestrator made it, with the fake clock's time.</summary>
public sealed record ActivityCall(string Name, object? Input, DateTime At);

/// <summary>One durable timer: when it was created and when it fires.</summary>
public sealed record TimerCall(DateTime CreatedAt, DateTime FireAt)
{
    public TimeSpan Delay => FireAt - CreatedAt;
}

/// <summary>
/// A hand-made orchestration context that fakes the participants at the activity boundary.
/// Activities dispatch to scripted handlers by name (steps answer <see cref="StepOutcome.Done"/>,
/// compensations nothing, until a test says otherwise); each can be made to fail with
/// <see cref="TaskFailedException"/> for its next N calls. Timers advance a fake clock.
/// Members the saga does not use throw <see cref="NotSupportedException"/>.
/// </summary>
public sealed class FakeOrchestrationContext : TaskOrchestrationContext
{
    public static readonly string[] StepActivities =
    [
        nameof(SagaActivities.ReserveStock),
        nameof(SagaActivities.ChargePayment),
        nameof(SagaActivities.BookShipment),
        nameof(SagaActivities.ConfirmOrder),
    ];

    public static readonly string[] CompensationActivities =
    [
        nameof(SagaActivities.ReleaseStock),
        nameof(SagaActivities.RefundPayment),
        nameof(SagaActivities.CancelShipment),
        nameof(SagaActivities.CancelOrder),
    ];

    private readonly Dictionary<string, Func<object?, object?>> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failuresLeft = new(StringComparer.Ordinal);
    private readonly List<ActivityCall> _calls = [];
    private readonly List<TimerCall> _timers = [];
    private DateTime _now;

    public FakeOrchestrationContext(DateTime startUtc)
    {
        _now = startUtc;
        foreach (var step in StepActivities)
        {
            Returns(step, StepOutcome.Done);
        }

        foreach (var undo in CompensationActivities)
        {
            _handlers[undo] = _ => null;
        }
    }

    public IReadOnlyList<ActivityCall> Calls => _calls;
    public IReadOnlyList<string> CallNames => _calls.Select(c => c.Name).ToList();
    public IReadOnlyList<TimerCall> Timers => _timers;

    public override TaskName Name => new("OrderSaga");
    public override string InstanceId => "test-instance";
    public override ParentOrchestrationInstance? Parent => null;
    public override DateTime CurrentUtcDateTime => _now;
    public override bool IsReplaying => false;
    public override TaskOrchestrationEntityFeature Entities => throw new NotSupportedException();
    protected override ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

    /// <summary>Scripts a step activity's answer.</summary>
    public FakeOrchestrationContext Returns(string activity, StepOutcome outcome) => Handles(activity, _ => outcome);

    /// <summary>Scripts an activity with a handler that gets the activity's input.</summary>
    public FakeOrchestrationContext Handles(string activity, Func<object?, object?> handler)
    {
        _handlers[activity] = handler;
        return this;
    }

    /// <summary>The activity's next <paramref name="times"/> calls fail as if its service were down (int.MaxValue: always).</summary>
    public FakeOrchestrationContext Fails(string activity, int times = int.MaxValue)
    {
        _failuresLeft[activity] = times;
        return this;
    }

    public IReadOnlyList<ActivityCall> CallsTo(string activity) => _calls.Where(c => c.Name == activity).ToList();

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var activity = name.Name;
        _calls.Add(new ActivityCall(activity, input, _now));
        if (_failuresLeft.TryGetValue(activity, out var left) && left > 0)
        {
            _failuresLeft[activity] = left - 1;
            var failure = new TaskFailureDetails("System.Net.Http.HttpRequestException", $"{activity}: service unavailable", null, null, null);
            return Task.FromException<TResult>(new TaskFailedException(activity, _calls.Count, failure));
        }

        if (!_handlers.TryGetValue(activity, out var handler))
        {
            throw new InvalidOperationException($"Unexpected activity {activity}.");
        }

        return Task.FromResult(handler(input) is TResult result ? result : default!);
    }

    public override Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null) =>
        CallActivityAsync<object?>(name, input, options);

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        _timers.Add(new TimerCall(_now, fireAt));
        if (fireAt > _now)
        {
            _now = fireAt;
        }

        return Task.CompletedTask;
    }

    public override T GetInput<T>() => throw new NotSupportedException();

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public override void SendEvent(string instanceId, string eventName, object payload) => throw new NotSupportedException();

    public override void SetCustomStatus(object? customStatus) => throw new NotSupportedException();

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        throw new NotSupportedException();

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => throw new NotSupportedException();

    public override Guid NewGuid() => throw new NotSupportedException();
}
