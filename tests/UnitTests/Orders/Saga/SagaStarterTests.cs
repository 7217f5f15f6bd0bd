using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Serverless.Orders;
using Serverless.Orders.Domain;
using Serverless.Orders.PlacingOrder;
using Serverless.Orders.Saga;
using Serverless.UnitTests.Configuration;

namespace Serverless.UnitTests.Orders.Saga;

/// <summary>
/// The crash between "order appended" and "saga started", with the real <see cref="PlaceOrderHandler"/>
/// and <see cref="SagaStarter"/> over the in-memory event store, a clock the test moves, and a task
/// hub double (<see cref="FakeTaskHub"/>) that can refuse to schedule. Placing an order stores its
/// events and its saga start in one append; the placement then starts the saga with
/// <see cref="SagaStarter.StartOrDeferAsync"/>, what <c>PlaceOrderFunction</c>'s <see cref="SagaStartQueue"/>
/// calls off the request, and the test runs the
/// <c>ReconcileSagas</c> timer function's rounds itself.
/// </summary>
public sealed class SagaStarterTests
{
    private static readonly ShippingAddress Address = new("1 Main St", "Seoul", "04524", "KR");

    private static readonly SagaOptions Saga = new()
    {
        Deadline = TimeSpan.FromMinutes(10), ReconcileAfter = TimeSpan.FromSeconds(30), StaleAfter = TimeSpan.FromMinutes(2),
    };

    private readonly ManualClock _clock = new();
    private readonly InMemoryOrderEventStore _store;
    private readonly SagaStarter _sagas;
    private readonly FakeTaskHub _hub;

    public SagaStarterTests()
    {
        _store = new InMemoryOrderEventStore { Clock = _clock };
        _sagas = new SagaStarter(_store, Options.Create(Saga), _clock, NullLogger<SagaStarter>.Instance);
        _hub = new FakeTaskHub(_clock);
    }

    public enum Interruption
    {
        /// <summary>The process died after the append, before <see cref="SagaStarter.StartOrDeferAsync"/> ran.</summary>
        CrashAfterAppend,

        /// <summary>The task hub refused the schedule (Azurite down, a timeout): the start is deferred.</summary>
        ScheduleFails,
    }

    [Theory]
    [InlineData(Interruption.CrashAfterAppend)]
    [InlineData(Interruption.ScheduleFails)]
    public async Task ASagaThatDidNotStartAtPlacement_IsStartedOnce_ByTheReconciler_WithItsRecordedInput(Interruption interruption)
    {
        // Given an order whose saga could not be started after its events were appended
        var placedAt = _clock.GetUtcNow();
        _hub.Down = true;
        var (orderId, start) = await PlaceAsync(startSaga: interruption == Interruption.ScheduleFails);

        // Then the order is accepted and pending, its saga start recorded, and the task hub has no instance
        Assert.Equal(OrderStatus.Pending, (await _store.LoadOrderAsync(orderId))!.Status);
        Assert.Equal([start], await _store.PendingSagaStartsAsync());
        Assert.Empty(_hub.Scheduled);
        Assert.Null(await _hub.GetInstanceAsync(start.InstanceId));
        Assert.Equal(interruption == Interruption.ScheduleFails ? 1 : 0, _hub.RefusedSchedules);

        // When the task hub is back and the reconciler runs before ReconcileAfter: the placement's start may still be on its way
        _hub.Down = false;
        _clock.Advance(Saga.ReconcileAfter - TimeSpan.FromSeconds(5));
        await RoundAsync();
        Assert.Empty(_hub.Scheduled);

        // When it runs again once the order has been quiet for ReconcileAfter
        _clock.Advance(TimeSpan.FromSeconds(10));
        await RoundAsync();

        // Then it starts exactly one instance, under the order's instance id, with the input recorded at placement (same deadline)
        var scheduled = Assert.Single(_hub.Scheduled);
        Assert.Equal((start.InstanceId, nameof(OrderSaga)), (scheduled.InstanceId, scheduled.Orchestrator));
        Assert.Equal(start.InputJson, JsonSerializer.Serialize(scheduled.Input));
        var input = Assert.IsType<OrderSagaInput>(scheduled.Input);
        Assert.Equal((orderId, "alice", 20m, "KR"), (input.OrderId, input.CustomerId, input.Total, input.Country));
        Assert.Equal(placedAt.UtcDateTime + Saga.Deadline, input.DeadlineUtc);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await _hub.GetInstanceAsync(start.InstanceId))!.RuntimeStatus);

        // And the next rounds leave the running saga alone; the record stays until the order is final
        _clock.Advance(TimeSpan.FromSeconds(5));
        await RoundAsync();
        await RoundAsync();
        Assert.Single(_hub.Scheduled);
        Assert.Equal([start], await _store.PendingSagaStartsAsync());
    }

    [Fact]
    public async Task TheStartQueue_SchedulesOffTheRequest_AndOnceTheHostStops_AWaitingStartGivesUp_AndIsLeftToTheReconciler()
    {
        var lifetime = new Microsoft.Extensions.Hosting.Internal.ApplicationLifetime(NullLogger<Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>.Instance);
        var queue = new SagaStartQueue(_sagas, lifetime);

        // Given a placed order whose start is queued as PlaceOrderFunction does
        var (_, first) = await PlaceAsync(startSaga: false);
        await queue.Enqueue(_hub, first).WaitAsync(TimeSpan.FromSeconds(10));

        // Then its saga was scheduled, under its instance id
        Assert.Equal([first.InstanceId], _hub.Scheduled.Select(s => s.InstanceId));

        // When the host begins to stop and another order's start is queued
        var (_, second) = await PlaceAsync(startSaga: false);
        lifetime.StopApplication();
        await queue.Enqueue(_hub, second).WaitAsync(TimeSpan.FromSeconds(10));

        // Then it was not scheduled but stays recorded, and the reconciler starts it once the order is old enough to judge
        Assert.DoesNotContain(_hub.Scheduled, s => s.InstanceId == second.InstanceId);
        Assert.Contains(second, await _store.PendingSagaStartsAsync());
        _clock.Advance(Saga.ReconcileAfter + TimeSpan.FromSeconds(1));
        await RoundAsync();
        Assert.Single(_hub.Scheduled, s => s.InstanceId == second.InstanceId);
    }

    [Fact]
    public async Task NeitherThePlacement_NorReconcilingAYoungOrder_ReadsTheTaskHub_UntilTheOrderIsOldEnoughToJudge()
    {
        // Given an order placed now, its saga started by the placement
        var (_, start) = await PlaceAsync(startSaga: true);

        // Then the placement scheduled it without asking the task hub first (the start was recorded by this request)
        Assert.Single(_hub.Scheduled);
        Assert.Equal(0, _hub.Reads);

        // When the reconciler runs round after round while the order is younger than ReconcileAfter
        for (var round = 0; round < 5; round++)
        {
            await RoundAsync();
            _clock.Advance(TimeSpan.FromSeconds(5));
        }

        // Then it did not ask the task hub about it (under load, those reads slowed the sagas they asked about)
        Assert.Equal(0, _hub.Reads);

        // And once the order has been quiet for ReconcileAfter it does ask, and leaves the running saga alone
        _clock.Advance(Saga.ReconcileAfter);
        await RoundAsync();
        Assert.Equal(1, _hub.Reads);
        Assert.Single(_hub.Scheduled);
        Assert.Equal([start], await _store.PendingSagaStartsAsync());
    }

    [Fact]
    public async Task ASagaStartedAtPlacement_IsNotStartedAgain()
    {
        // Given an order whose saga started with the placement
        var (_, start) = await PlaceAsync();

        // When the reconciler runs after ReconcileAfter, while the instance is moving
        _clock.Advance(Saga.ReconcileAfter + TimeSpan.FromSeconds(1));
        _hub.Touch(start.InstanceId);
        await RoundAsync();

        // Then nothing else is scheduled or terminated
        Assert.Single(_hub.Scheduled);
        Assert.Empty(_hub.Terminated);
    }

    [Fact]
    public async Task ARunningInstance_ThatHasNotMovedForStaleAfter_IsTerminated_ThenRestartedOnTheNextRound()
    {
        // Given an order whose saga started at placement and then stopped moving (its next message was lost)
        var (_, start) = await PlaceAsync();

        // When the reconciler runs within StaleAfter of its last update
        _clock.Advance(Saga.StaleAfter - TimeSpan.FromSeconds(10));
        await RoundAsync();

        // Then it is left alone
        Assert.Empty(_hub.Terminated);
        Assert.Single(_hub.Scheduled);

        // When it runs once the instance has been quiet for longer than StaleAfter
        _clock.Advance(TimeSpan.FromSeconds(20));
        await RoundAsync();

        // Then the instance is terminated, not yet restarted
        Assert.Equal([start.InstanceId], _hub.Terminated);
        Assert.Single(_hub.Scheduled);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await _hub.GetInstanceAsync(start.InstanceId))!.RuntimeStatus);

        // And the next round starts it again from the recorded input
        _clock.Advance(TimeSpan.FromSeconds(5));
        await RoundAsync();
        Assert.Equal(2, _hub.Scheduled.Count);
        Assert.Equal(start.InputJson, JsonSerializer.Serialize(_hub.Scheduled[1].Input));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await _hub.GetInstanceAsync(start.InstanceId))!.RuntimeStatus);
        Assert.Equal([start], await _store.PendingSagaStartsAsync());
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Completed)]
    [InlineData(OrchestrationRuntimeStatus.Failed)]
    public async Task AnInstanceThatEnded_WhileTheOrderIsStillPending_IsRestarted(OrchestrationRuntimeStatus ended)
    {
        // Given an order still pending whose saga instance ended (its history was cut short)
        var (_, start) = await PlaceAsync();
        _hub.End(start.InstanceId, ended);

        // When the reconciler runs once the order has been quiet for ReconcileAfter
        _clock.Advance(Saga.ReconcileAfter + TimeSpan.FromSeconds(1));
        await RoundAsync();

        // Then the saga runs again, with the recorded input, and is not terminated first
        Assert.Equal(2, _hub.Scheduled.Count);
        Assert.Equal(start.InputJson, JsonSerializer.Serialize(_hub.Scheduled[1].Input));
        Assert.Empty(_hub.Terminated);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await _hub.GetInstanceAsync(start.InstanceId))!.RuntimeStatus);
    }

    [Fact]
    public async Task OnceTheOrderIsConfirmed_TheRecordIsForgotten_AndNothingIsScheduled()
    {
        // Given an order whose saga confirmed it and completed
        var (orderId, start) = await PlaceAsync();
        await _store.AppendAsync(orderId, 1, [new StockReserved(), new OrderConfirmed()]);
        _hub.End(start.InstanceId, OrchestrationRuntimeStatus.Completed);

        // When the reconciler runs, now and long after (an ended instance of a pending order would be restarted)
        await RoundAsync();
        _clock.Advance(Saga.StaleAfter * 2);
        await RoundAsync();

        // Then the saga start is forgotten and the saga is not started again
        Assert.Empty(await _store.PendingSagaStartsAsync());
        Assert.Single(_hub.Scheduled);
        Assert.Empty(_hub.Terminated);
        Assert.Equal(OrderStatus.Confirmed, (await _store.LoadOrderAsync(orderId))!.Status);
    }

    [Fact]
    public async Task ARoundWhereOneStartThrows_StillStartsTheOthers_AndRetriesTheFailedOneNextRound()
    {
        // Given three orders placed while the task hub was down
        _hub.Down = true;
        var orders = new List<(string OrderId, SagaStart Start)>();
        for (var i = 0; i < 3; i++)
        {
            orders.Add(await PlaceAsync());
        }

        Assert.Empty(_hub.Scheduled);
        Assert.Equal(3, (await _store.PendingSagaStartsAsync()).Count);

        // When the task hub is back but refuses the second saga's schedule, and a reconcile round runs
        _hub.Down = false;
        _hub.Refuse.Add(orders[1].Start.InstanceId);
        _clock.Advance(Saga.ReconcileAfter + TimeSpan.FromSeconds(1));
        await RoundAsync();

        // Then the first and third sagas start, the second is still recorded, without an instance
        Assert.Equal([orders[0].Start.InstanceId, orders[2].Start.InstanceId], _hub.Scheduled.Select(s => s.InstanceId));
        Assert.Null(await _hub.GetInstanceAsync(orders[1].Start.InstanceId));
        Assert.Equal(3, (await _store.PendingSagaStartsAsync()).Count);

        // And the next round starts the second once the task hub takes it
        _hub.Refuse.Clear();
        await RoundAsync();
        Assert.Equal([orders[0].Start.InstanceId, orders[2].Start.InstanceId, orders[1].Start.InstanceId], _hub.Scheduled.Select(s => s.InstanceId));
    }

    /// <summary>Places a 2 x 10 order as PlaceOrderFunction does: the handler appends, then the saga is started or deferred (unless the process "crashed" in between).</summary>
    private async Task<(string OrderId, SagaStart Start)> PlaceAsync(bool startSaga = true)
    {
        var handler = new PlaceOrderHandler(_store, new Prices(), _sagas, NullLogger<PlaceOrderHandler>.Instance);
        var result = await handler.HandleAsync(new PlaceOrder("alice", [new RequestedLine("SKU-1", 2)], Address, null));
        var accepted = Assert.IsType<PlaceOrderResult.Accepted>(result);
        Assert.NotNull(accepted.SagaStart);
        if (startSaga)
        {
            await _sagas.StartOrDeferAsync(_hub, accepted.SagaStart, CancellationToken.None);
        }

        return (accepted.Order.OrderId, accepted.SagaStart);
    }

    /// <summary>One run of the <c>ReconcileSagas</c> timer function.</summary>
    private Task RoundAsync() => _sagas.ReconcileAsync(new TimerInfo(), _hub);

    private sealed class Prices : IPriceList
    {
        public Task<decimal?> PriceAsync(string sku, CancellationToken cancellationToken) => Task.FromResult<decimal?>(10m);
    }

    /// <summary>
    /// A task hub double: keeps instance metadata, records every scheduled instance and termination,
    /// and refuses schedules while <see cref="Down"/> or for the ids in <see cref="Refuse"/>. Like the
    /// real one it refuses to schedule an id whose instance is pending or running. Orchestrations never run.
    /// </summary>
    private sealed class FakeTaskHub(TimeProvider clock) : DurableTaskClient("fake")
    {
        private readonly Dictionary<string, OrchestrationMetadata> _instances = new(StringComparer.Ordinal);

        public bool Down { get; set; }

        public HashSet<string> Refuse { get; } = new(StringComparer.Ordinal);

        public int RefusedSchedules { get; private set; }

        public List<(string InstanceId, string Orchestrator, object? Input)> Scheduled { get; } = [];

        public List<string> Terminated { get; } = [];

        /// <summary>The instance moved (an activity completed): its LastUpdatedAt is now.</summary>
        public void Touch(string instanceId) => Put(instanceId, _instances[instanceId].Name, _instances[instanceId].RuntimeStatus);

        public void End(string instanceId, OrchestrationRuntimeStatus status) => Put(instanceId, _instances[instanceId].Name, status);

        private void Put(string instanceId, string name, OrchestrationRuntimeStatus status) =>
            _instances[instanceId] = new OrchestrationMetadata(name, instanceId)
            {
                RuntimeStatus = status, CreatedAt = _instances.GetValueOrDefault(instanceId)?.CreatedAt ?? clock.GetUtcNow(), LastUpdatedAt = clock.GetUtcNow(),
            };

        public override Task<string> ScheduleNewOrchestrationInstanceAsync(
            TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
        {
            var instanceId = options?.InstanceId ?? throw new ArgumentException("the starter always names its instance", nameof(options));
            if (Down || Refuse.Contains(instanceId))
            {
                RefusedSchedules++;
                throw new InvalidOperationException($"task hub unavailable for {instanceId}");
            }

            if (_instances.TryGetValue(instanceId, out var existing) && existing.RuntimeStatus is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running)
            {
                throw new InvalidOperationException($"an instance with id {instanceId} already exists");
            }

            _instances.Remove(instanceId); // a new run of the same id
            Put(instanceId, orchestratorName.Name, OrchestrationRuntimeStatus.Running);
            Scheduled.Add((instanceId, orchestratorName.Name, input));
            return Task.FromResult(instanceId);
        }

        /// <summary>How often the task hub was asked about an instance (each is a storage read in Azure Storage).</summary>
        public int Reads { get; private set; }

        public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        {
            Reads++;
            return Task.FromResult(_instances.GetValueOrDefault(instanceId));
        }

        public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
        {
            Terminated.Add(instanceId);
            End(instanceId, OrchestrationRuntimeStatus.Terminated);
            return Task.CompletedTask;
        }

        public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => throw new NotSupportedException();

        public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
