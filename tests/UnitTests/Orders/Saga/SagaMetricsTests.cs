using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.BuildingBlocks.Telemetry;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;
using Serverless.UnitTests.Configuration;

namespace Serverless.UnitTests.Orders.Saga;

/// <summary>The saga's counters are process-wide, so these tests run alone, not beside other saga tests.</summary>
[CollectionDefinition(nameof(SagaMetricsTests), DisableParallelization = true)]
public sealed class SagaMetricsCollection;

/// <summary>Each business fact is counted once, by the call that recorded it: a rerun step finds it recorded and counts nothing.</summary>
[Collection(nameof(SagaMetricsTests))]
public sealed class SagaMetricsTests : IDisposable
{
    private static readonly OrderSagaInput Input = new("order-1", "alice", [new OrderLine("SKU-1", 2, 10m)], 20m, "KR", DateTime.MaxValue, 60);

    private readonly ManualClock _clock = new();
    private readonly InMemoryOrderEventStore _store;
    private readonly SagaActivities _activities;
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measured = [];

    public SagaMetricsTests()
    {
        _store = new InMemoryOrderEventStore { Clock = _clock };
        var ok = new HttpClient(new Ok()) { BaseAddress = new Uri("http://participant/") };
        _activities = new SagaActivities(_store, new InventoryClient(ok), new PaymentsClient(ok), new ShippingClient(ok), NullLogger<SagaActivities>.Instance);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Tracing.Source.Name && instrument.Name.StartsWith("saga.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task ConfirmOrder_RunTwice_CountsOneConfirmation_AndItsDurationFromPlacement()
    {
        // Given an order placed 3 s ago whose steps are done
        await Place();
        _clock.Advance(TimeSpan.FromSeconds(3));

        // When the confirm step runs, and runs again (a replayed activity)
        await _activities.ConfirmOrder(Input);
        await _activities.ConfirmOrder(Input);

        // Then one confirmation, and one duration of 3 s with the outcome
        Assert.Single(_measured, m => m.Instrument == "saga.confirmed");
        var duration = Assert.Single(_measured, m => m.Instrument == "saga.duration");
        Assert.Equal((3d, OrderStatus.Confirmed), (duration.Value, duration.Tags["outcome"]));
    }

    [Fact]
    public async Task CancelOrder_RunTwice_CountsOneCancellation_WithItsReason()
    {
        // Given a placed order
        await Place();
        _clock.Advance(TimeSpan.FromSeconds(1));

        // When it is cancelled, twice
        await _activities.CancelOrder(new CancelOrderInput("order-1", CancellationReasons.PaymentDeclined));
        await _activities.CancelOrder(new CancelOrderInput("order-1", CancellationReasons.PaymentDeclined));

        // Then one cancellation with the reason, one duration
        var cancelled = Assert.Single(_measured, m => m.Instrument == "saga.cancelled");
        Assert.Equal(CancellationReasons.PaymentDeclined, cancelled.Tags["reason"]);
        Assert.Equal(OrderStatus.Cancelled, Assert.Single(_measured, m => m.Instrument == "saga.duration").Tags["outcome"]);
    }

    [Fact]
    public async Task CancelOfAConfirmedOrder_CountsTheCancellation_ButNoSecondDuration()
    {
        // Given a confirmed order
        await Place();
        await _activities.ConfirmOrder(Input);

        // When the customer's cancellation saga cancels it
        await _activities.CancelOrder(new CancelOrderInput("order-1", CancellationReasons.CancelledByCustomer));

        // Then the cancellation counts, and the saga's duration was measured once: placement to confirmation
        Assert.Single(_measured, m => m.Instrument == "saga.cancelled");
        Assert.Equal(OrderStatus.Confirmed, Assert.Single(_measured, m => m.Instrument == "saga.duration").Tags["outcome"]);
    }

    [Fact]
    public async Task Compensation_CountsOnlyAnUndoOfARecordedStep_AndOnlyOnce()
    {
        // Given an order whose stock was reserved, but which was never charged
        await Place();
        await _activities.ReserveStock(Input);

        // When the release runs twice and the refund once
        await _activities.ReleaseStock("order-1");
        await _activities.ReleaseStock("order-1");
        await _activities.RefundPayment("order-1");

        // Then one compensation: the release (the refund had nothing to undo)
        var compensation = Assert.Single(_measured, m => m.Instrument == "saga.compensations");
        Assert.Equal(nameof(SagaActivities.ReleaseStock), compensation.Tags["step"]);
    }

    private Task Place() =>
        _store.AppendAsync("order-1", 0, [Order.Place("alice", Input.Items, new ShippingAddress("1 Main St", "Seoul", "04524", "KR"))], newStream: ("alice", null));

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        lock (_measured)
        {
            _measured.Add((instrument.Name, value, copy));
        }
    }

    private sealed class Ok : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") });
    }
}
