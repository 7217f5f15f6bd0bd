using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Http;
using Serverless.Orders.Domain;
using Serverless.Orders.Saga;

namespace Serverless.UnitTests.Orders;

/// <summary>The saga's steps turn each participant answer into the outcome the orchestrator acts on, and alert on permanent failures.</summary>
public sealed class SagaActivitiesTests
{
    private static readonly OrderSagaInput Input = new("order-1", "alice", [new OrderLine("SKU-1", 2, 10m)], 20m, "KR", DateTime.MaxValue, 60);

    private readonly InMemoryOrderEventStore _store = new();
    private readonly ListLogger _logger = new();

    [Fact]
    public async Task Step_AnsweredUnauthorized_FailsAtOnce_AndAlerts()
    {
        // Given payments rejects the saga's token
        var activities = Activities(payments: _ => Problem(HttpStatusCode.Unauthorized, "https://httpstatuses.io/401"));

        // When the charge step runs
        var outcome = await activities.ChargePayment(Input);

        // Then the step failed for good (not thrown, so not retried), nothing was recorded, and an error says why
        Assert.Equal(StepOutcome.Failed, outcome);
        Assert.Empty(await _store.LoadAsync("order-1"));
        var alert = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal("Order {OrderId}: step {Step} failed permanently: {Status} {Problem}", alert.Template);
        Assert.Equal("Order order-1: step ChargePayment failed permanently: 401 https://httpstatuses.io/401", alert.Message);
    }

    [Fact]
    public async Task Confirm_ReservationReleased_IsRefused_NotRetried()
    {
        // Given inventory answers the commit of a released reservation as already compensated
        var activities = Activities(inventory: _ => Problem(HttpStatusCode.Conflict, ProblemTypes.AlreadyCompensated));

        // When the confirm step runs
        var outcome = await activities.ConfirmOrder(Input);

        // Then it is a refusal (the saga compensates), the order is not confirmed, and nobody is alerted
        Assert.Equal(StepOutcome.Refused, outcome);
        Assert.Empty(await _store.LoadAsync("order-1"));
        Assert.DoesNotContain(_logger.Entries, e => e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task Confirm_NoReservationToCommit_FailsAtOnce_AndAlerts()
    {
        // Given inventory answers a plain 409: this order holds no reservation
        var activities = Activities(inventory: _ => Problem(HttpStatusCode.Conflict, "https://httpstatuses.io/409"));

        // When the confirm step runs
        var outcome = await activities.ConfirmOrder(Input);

        // Then it fails for good, with an alert
        Assert.Equal(StepOutcome.Failed, outcome);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("step ConfirmOrder failed permanently: 409", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compensation_FailingPermanently_Alerts_AndStillThrows_SoItIsRetried()
    {
        // Given inventory rejects the release with a 403
        var activities = Activities(inventory: _ => Problem(HttpStatusCode.Forbidden, "https://httpstatuses.io/403"));

        // When the release runs; Then it throws (a cancelled order must be made whole, so the saga retries it) and alerts
        await Assert.ThrowsAsync<InvalidOperationException>(() => activities.ReleaseStock("order-1"));
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("step ReleaseStock failed permanently: 403", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Step_ServiceUnavailable_Throws_SoItIsRetried()
    {
        // Given shipping is down
        var activities = Activities(shipping: _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));

        // When the booking step runs; Then it throws, the activity fails, and the saga retries it with backoff
        await Assert.ThrowsAsync<HttpRequestException>(() => activities.BookShipment(Input));
        Assert.DoesNotContain(_logger.Entries, e => e.Level == LogLevel.Error);
    }

    private SagaActivities Activities(
        Func<HttpRequestMessage, HttpResponseMessage>? inventory = null,
        Func<HttpRequestMessage, HttpResponseMessage>? payments = null,
        Func<HttpRequestMessage, HttpResponseMessage>? shipping = null) => new(
        _store,
        new InventoryClient(Client(inventory)),
        new PaymentsClient(Client(payments)),
        new ShippingClient(Client(shipping)),
        _logger);

    private static HttpClient Client(Func<HttpRequestMessage, HttpResponseMessage>? answer) =>
        new(new StubHandler(answer ?? (_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") }))) { BaseAddress = new Uri("http://participant/") };

    private static HttpResponseMessage Problem(HttpStatusCode status, string type) => new(status)
    {
        Content = new StringContent(JsonSerializer.Serialize(new { type, title = status.ToString(), status = (int)status }), Encoding.UTF8, Problems.ContentType),
    };

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer(request));
    }

    public sealed record LogEntry(LogLevel Level, string Template, string Message);

    /// <summary>Keeps every log line with its message template, so a test can check the template, not just the text.</summary>
    private sealed class ListLogger : ILogger<SagaActivities>
    {
        public List<LogEntry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var template = state is IEnumerable<KeyValuePair<string, object?>> values
                ? values.FirstOrDefault(v => v.Key == "{OriginalFormat}").Value as string ?? ""
                : "";
            Entries.Add(new LogEntry(logLevel, template, formatter(state, exception)));
        }
    }
}
