using Serverless.Orders.Domain;
using Serverless.Orders.ReadingOrders;
using Serverless.Orders.Saga;
using Serverless.UnitTests.Configuration;

namespace Serverless.UnitTests.Orders.ReadingOrders;

/// <summary>A saga is stuck when its order is still pending longer than the threshold after placement.</summary>
public sealed class StuckSagasTests
{
    private static readonly ShippingAddress Address = new("1 Main St", "Seoul", "04524", "KR");

    private readonly ManualClock _clock = new();
    private readonly InMemoryOrderEventStore _store;

    public StuckSagasTests() => _store = new InMemoryOrderEventStore { Clock = _clock };

    [Fact]
    public async Task PendingPastTheThreshold_IsStuck_YoungerOrFinalIsNot()
    {
        // Given an order placed 70 s ago, one placed 20 s ago, and one placed 70 s ago but confirmed since
        var placedAt = _clock.GetUtcNow();
        await Place("old");
        await Place("done");
        await _store.AppendAsync("done", 1, [new OrderConfirmed()]);
        _clock.Advance(TimeSpan.FromSeconds(50));
        await Place("young");
        _clock.Advance(TimeSpan.FromSeconds(20));

        // When the sagas pending for over a minute are asked for
        var stuck = await StuckSagasFunction.FindAsync(_store, _clock.GetUtcNow(), TimeSpan.FromSeconds(60));

        // Then only the old pending order, with its age
        Assert.Equal([new StuckSaga("old", placedAt, 70)], stuck);
        Assert.Equal(["old", "young"], (await StuckSagasFunction.FindAsync(_store, _clock.GetUtcNow(), TimeSpan.Zero)).Select(s => s.OrderId));
    }

    private Task Place(string orderId) =>
        _store.AppendAsync(orderId, 0, [Order.Place("alice", [new OrderLine("SKU-1", 1, 10m)], Address)], newStream: ("alice", null),
            sagaStart: new SagaStart(SagaStarter.SagaInstanceId(orderId), nameof(OrderSaga), orderId, "{}"));
}
