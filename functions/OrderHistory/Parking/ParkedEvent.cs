using System.Text.Json;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.OrderHistory.Parking;

/// <summary>
/// An event the projection could not apply after <see cref="PoisonIsolation.Attempts"/> tries: kept aside,
/// with the whole event and why it failed, so the feed moves on. A rebuild (after the fix) applies it and clears it.
/// </summary>
public sealed record ParkedEvent(string MessageId, string Source, string OrderId, string Type, string Event, string Error, DateTimeOffset ParkedAt, int Attempts)
{
    public static ParkedEvent Of(IntegrationEvent e, Exception error, DateTimeOffset at, int attempts)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(error);
        var cause = error is ProjectionFailedException { InnerException: { } inner } ? inner : error;
        return new(e.MessageId, e.Topic, e.Subject, e.Type, JsonSerializer.Serialize(e, IntegrationEvent.Json), $"{cause.GetType().Name}: {cause.Message}", at, attempts);
    }
}
