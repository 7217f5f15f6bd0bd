using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Serverless.BuildingBlocks.Http;
using Serverless.BuildingBlocks.Storage.Sqlite;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;
using Serverless.Orders.Storage.Sqlite;

namespace Serverless.IntegrationTests.Orders.Saga;

/// <summary>The saga's steps against the real inventory service: its real answers are classified as the saga expects.</summary>
[Collection(ServicesCollection.Name)]
public sealed class SagaAgainstInventoryTests(ServicesFixture services)
{
    [Fact]
    public async Task Confirm_AfterTheReservationWasReleased_IsRefused_SoTheSagaCompensates()
    {
        // Given an order whose 4 of 10 units were reserved, then released
        var sku = ServicesFixture.NewId("sku");
        await services.PutStockAsync(sku, 10, 5.00m);
        var (activities, inventory, store) = await SagaAsync();
        var order = ServicesFixture.NewId("order");
        Assert.True((await inventory.ReserveAsync(order, [new OrderLine(sku, 4, 5.00m)])).Ok);
        Assert.True((await inventory.ReleaseAsync(order)).Ok);

        // When the saga confirms the order
        var outcome = await activities.ConfirmOrder(Input(order));

        // Then inventory's answer is a refusal (the saga compensates now), nothing is sold and the order is not confirmed
        Assert.Equal(StepOutcome.Refused, outcome);
        var answer = await inventory.CommitAsync(order);
        Assert.Equal((AnswerKind.Refused, 409, ProblemTypes.AlreadyCompensated), (answer.Kind, answer.Status, answer.ProblemType));
        Assert.Equal(new ItemView(sku, 10, 0, 5.00m), await services.GetStockAsync(sku));
        Assert.Empty(await store.LoadAsync(order));
    }

    [Fact]
    public async Task Commit_AfterARefusedReservation_IsRefusedAsOutOfStock()
    {
        // Given an order whose reservation was refused (11 of 10 units)
        var sku = ServicesFixture.NewId("sku");
        await services.PutStockAsync(sku, 10, 5.00m);
        var (_, inventory, _) = await SagaAsync();
        var order = ServicesFixture.NewId("order");
        Assert.Equal(AnswerKind.Refused, (await inventory.ReserveAsync(order, [new OrderLine(sku, 11, 5.00m)])).Kind);

        // When the saga commits it
        var answer = await inventory.CommitAsync(order);

        // Then it is refused as out of stock, and the stock is untouched
        Assert.Equal((AnswerKind.Refused, ProblemTypes.OutOfStock), (answer.Kind, answer.ProblemType));
        Assert.Equal(new ItemView(sku, 10, 0, 5.00m), await services.GetStockAsync(sku));
    }

    [Fact]
    public async Task Confirm_OfAnOrderThatReservedNothing_FailsAtOnce()
    {
        // Given an order inventory has never seen
        var (activities, inventory, _) = await SagaAsync();
        var order = ServicesFixture.NewId("order");

        // When the saga confirms it
        var outcome = await activities.ConfirmOrder(Input(order));

        // Then the plain 409 is a permanent failure: the step fails now instead of being retried until the deadline
        Assert.Equal(StepOutcome.Failed, outcome);
        var answer = await inventory.CommitAsync(order);
        Assert.Equal((AnswerKind.Failed, 409), (answer.Kind, answer.Status));
    }

    [Fact]
    public async Task Reserve_WithoutAToken_FailsAtOnce()
    {
        // Given a saga whose calls carry no token
        using var http = services.ClientFor(ServicesFixture.Inventory);
        var inventory = new InventoryClient(http);

        // When it reserves
        var answer = await inventory.ReserveAsync(ServicesFixture.NewId("order"), [new OrderLine(ServicesFixture.NewId("sku"), 1, 5.00m)]);

        // Then the 401 is a permanent failure, not a refusal and not something to retry
        Assert.Equal((AnswerKind.Failed, 401), (answer.Kind, answer.Status));
    }

    private static OrderSagaInput Input(string orderId) => new(orderId, "alice", [], 20m, "KR", DateTime.UtcNow.AddMinutes(10), 15);

    /// <summary>The saga's activities as the orders app wires them: its service token on every participant call, a SQLite event store.</summary>
    private async Task<(SagaActivities Activities, InventoryClient Inventory, IOrderEventStore Store)> SagaAsync()
    {
        var token = await services.ServiceTokenAsync();
        var inventory = new InventoryClient(services.ClientFor(ServicesFixture.Inventory, token));
        var store = new SqliteOrderEventStore(
            new SqliteDatabase(Path.Combine(services.DataDirectory, "saga-it", "orders.db"), SqliteOrderEventStore.Schema),
            TimeProvider.System,
            Options.Create(new OrderEventStoreOptions()));
        var activities = new SagaActivities(
            store,
            inventory,
            new PaymentsClient(services.ClientFor(ServicesFixture.Payments, token)),
            new ShippingClient(services.ClientFor(ServicesFixture.Shipping, token)),
            NullLogger<SagaActivities>.Instance);
        return (activities, inventory, store);
    }
}
