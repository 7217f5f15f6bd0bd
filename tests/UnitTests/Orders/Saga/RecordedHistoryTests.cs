using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.UnitTests.Orders.Saga;

/// <summary>
/// The orchestrators replayed against histories recorded from earlier versions of the code (files in
/// <c>Histories/</c>), as Durable replays a saga that was in flight during a deploy. A change that
/// schedules anything different for the same history (a step added, removed or reordered, another
/// input, another timer) fails here: such a change needs a new orchestrator version (see the README,
/// "Versioning the saga"). <c>RECORD_SAGA_HISTORIES=1</c> records a missing file from the current code.
/// </summary>
public sealed class RecordedHistoryTests
{
    private static readonly DateTime Start = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly OrderSagaInput Input = new("order-1", "alice", [new OrderLine("SKU-1", 2, 10m)], 20m, "KR", Start.AddMinutes(10), 15);

    /// <summary>Each path: the answers its activities give, in call order per activity ("fail" = a transient failure).</summary>
    public static TheoryData<string> Paths => [.. Scripts.Keys];

    private static readonly Dictionary<string, (string Orchestrator, Dictionary<string, string[]> Answers)> Scripts = new(StringComparer.Ordinal)
    {
        ["happy-path"] = (nameof(OrderSaga), []),
        ["out-of-stock"] = (nameof(OrderSaga), new() { [nameof(SagaActivities.ReserveStock)] = ["Refused"] }),
        ["payment-declined"] = (nameof(OrderSaga), new() { [nameof(SagaActivities.ChargePayment)] = ["Refused"] }),
        ["shipping-unavailable"] = (nameof(OrderSaga), new() { [nameof(SagaActivities.BookShipment)] = ["Refused"] }),
        ["transient-failures-then-done"] = (nameof(OrderSaga), new() { [nameof(SagaActivities.ReserveStock)] = ["fail", "fail", "Done"], [nameof(SagaActivities.RefundPayment)] = [] }),
        ["cancel-requested-before-shipping"] = (nameof(OrderSaga), new() { [nameof(SagaActivities.BookShipment)] = ["CancelRequested"] }),
        ["compensation-retried"] = (nameof(OrderSaga), new() { [nameof(SagaActivities.ChargePayment)] = ["Refused"], [nameof(SagaActivities.ReleaseStock)] = ["fail", "ok"] }),
        ["cancellation-of-confirmed"] = (nameof(OrderSaga.OrderCancellationSaga), []),
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task TheCurrentOrchestrator_ReplaysEveryRecordedHistory_ActionForAction(string path)
    {
        var file = Path.Combine(HistoriesFolder(), path + ".json");
        var (orchestrator, answers) = Scripts[path];
        if (!File.Exists(file))
        {
            Assert.True(Environment.GetEnvironmentVariable("RECORD_SAGA_HISTORIES") == "1", $"No recorded history {file}: record it with RECORD_SAGA_HISTORIES=1.");
            var recorder = HistoryContext.Recording(Start, answers);
            var result = await Run(orchestrator, recorder);
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new RecordedHistory(orchestrator, recorder.History, JsonSerializer.SerializeToElement(result, HistoryContext.Json)), HistoryContext.Indented));
            return;
        }

        // Given a history recorded from an earlier version
        var recorded = JsonSerializer.Deserialize<RecordedHistory>(await File.ReadAllTextAsync(file), HistoryContext.Json)!;

        // When today's orchestrator replays it
        var replay = HistoryContext.Replaying(Start, recorded.Events);
        var replayed = await Run(recorded.Orchestrator, replay);

        // Then it asked for exactly what the history holds, in order, and came to the same result
        Assert.Equal(recorded.Events.Count, replay.Position);
        Assert.Equal(HistoryContext.Canonical(recorded.Result), HistoryContext.Canonical(JsonSerializer.SerializeToElement(replayed, HistoryContext.Json)));
    }

    [Fact]
    public async Task AReorderedStep_FailsTheReplay()
    {
        // Given the happy path recorded with reserve first, but a history whose first step is the charge (as after a reorder)
        var recorded = JsonSerializer.Deserialize<RecordedHistory>(await File.ReadAllTextAsync(Path.Combine(HistoriesFolder(), "happy-path.json")), HistoryContext.Json)!;
        var swapped = recorded.Events.ToList();
        (swapped[0], swapped[1]) = (swapped[1], swapped[0]);

        // Then replaying it is a non-determinism failure that says what differs
        var ex = await Assert.ThrowsAsync<NonDeterministicHistoryException>(() => Run(recorded.Orchestrator, HistoryContext.Replaying(Start, swapped)));
        Assert.Contains(nameof(SagaActivities.ReserveStock), ex.Message, StringComparison.Ordinal);
    }

    private static Task<SagaResult> Run(string orchestrator, HistoryContext context) => orchestrator == nameof(OrderSaga)
        ? new OrderSaga().RunAsync(context, Input)
        : new OrderSaga().OrderCancellationSaga(context, Input);

    private static string HistoriesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "UnitTests", "Orders", "Saga", "Histories");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/UnitTests/Orders/Saga/Histories not found above the test output.");
    }
}

/// <summary>One thing the orchestrator asked for and what came back: an activity (its input and result, or a failure) or a timer.</summary>
public sealed record HistoryEvent(string Kind, string Name, JsonElement? Input, JsonElement? Result, bool Failed, DateTime? FireAt);

public sealed record RecordedHistory(string Orchestrator, IReadOnlyList<HistoryEvent> Events, JsonElement Result);

public sealed class NonDeterministicHistoryException(string message) : Exception(message);

/// <summary>An orchestration context that records what the orchestrator asks for (answering from a script), or replays a recorded history and fails on any difference.</summary>
public sealed class HistoryContext : TaskOrchestrationContext
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly List<HistoryEvent> _history = [];
    private readonly IReadOnlyList<HistoryEvent>? _replay;
    private readonly Dictionary<string, Queue<string>> _answers;
    private DateTime _now;

    private HistoryContext(DateTime start, IReadOnlyList<HistoryEvent>? replay, Dictionary<string, string[]> answers)
    {
        _now = start;
        _replay = replay;
        _answers = answers.ToDictionary(a => a.Key, a => new Queue<string>(a.Value), StringComparer.Ordinal);
    }

    public static HistoryContext Recording(DateTime start, Dictionary<string, string[]> answers) => new(start, null, answers);

    public static HistoryContext Replaying(DateTime start, IReadOnlyList<HistoryEvent> history) => new(start, history, []);

    public IReadOnlyList<HistoryEvent> History => _history;

    public int Position { get; private set; }

    public override TaskName Name => new("OrderSaga");
    public override string InstanceId => "order-1";
    public override ParentOrchestrationInstance? Parent => null;
    public override DateTime CurrentUtcDateTime => _now;
    public override bool IsReplaying => _replay is not null;
    public override TaskOrchestrationEntityFeature Entities => throw new NotSupportedException();
    protected override ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var asked = new HistoryEvent("activity", name.Name, JsonSerializer.SerializeToElement(input, Json), null, false, null);
        var happened = _replay is null ? Answer(asked) : Next(asked);
        _history.Add(happened);
        if (happened.Failed)
        {
            return Task.FromException<TResult>(new TaskFailedException(name.Name, Position, new TaskFailureDetails("System.Net.Http.HttpRequestException", "unavailable", null, null, null)));
        }

        return Task.FromResult(happened.Result is { ValueKind: not JsonValueKind.Null } result ? result.Deserialize<TResult>(Json)! : default!);
    }

    public override Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null) => CallActivityAsync<object?>(name, input, options);

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        var asked = new HistoryEvent("timer", "timer", null, null, false, fireAt);
        _history.Add(_replay is null ? asked : Next(asked));
        Position += _replay is null ? 1 : 0;
        _now = fireAt > _now ? fireAt : _now;
        return Task.CompletedTask;
    }

    private HistoryEvent Answer(HistoryEvent asked)
    {
        Position++;
        var answer = _answers.TryGetValue(asked.Name, out var queue) && queue.Count > 0 ? queue.Dequeue() : null;
        if (answer == "fail")
        {
            return asked with { Failed = true };
        }

        var isStep = FakeOrchestrationContext.StepActivities.Contains(asked.Name);
        var result = isStep ? JsonSerializer.SerializeToElement(Enum.Parse<StepOutcome>(answer ?? nameof(StepOutcome.Done)), Json) : (JsonElement?)null;
        return asked with { Result = result };
    }

    private HistoryEvent Next(HistoryEvent asked)
    {
        if (Position >= _replay!.Count)
        {
            throw new NonDeterministicHistoryException($"The orchestrator asked for {Describe(asked)} after the history's last event ({_replay.Count}).");
        }

        var recorded = _replay[Position];
        if (recorded.Kind != asked.Kind || recorded.Name != asked.Name || recorded.FireAt != asked.FireAt ||
            Canonical(recorded.Input) != Canonical(asked.Input))
        {
            throw new NonDeterministicHistoryException($"At history event {Position + 1} the orchestrator asked for {Describe(asked)}, but the history holds {Describe(recorded)}.");
        }

        Position++;
        return recorded;
    }

    private static string Describe(HistoryEvent e) => e.Kind == "timer" ? $"a timer to {e.FireAt:O}" : $"activity {e.Name}({Canonical(e.Input)})";

    /// <summary>The JSON without the file's indentation.</summary>
    public static string? Canonical(JsonElement? element) => element is { } e ? JsonSerializer.Serialize(e) : null;

    public override T GetInput<T>() => throw new NotSupportedException();

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public override void SendEvent(string instanceId, string eventName, object payload) => throw new NotSupportedException();

    public override void SetCustomStatus(object? customStatus) => throw new NotSupportedException();

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) => throw new NotSupportedException();

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => throw new NotSupportedException();

    public override Guid NewGuid() => throw new NotSupportedException();
}
