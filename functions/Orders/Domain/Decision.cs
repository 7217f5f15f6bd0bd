namespace Serverless.Orders.Domain;

/// <summary>What an order decides on a command: the event to append, or why it refuses.</summary>
public sealed record Decision<TEvent>(TEvent? Event, string? Refusal)
    where TEvent : class, IOrderEvent
{
    public static Decision<TEvent> Accept(TEvent e) => new(e, null);

    public static Decision<TEvent> Refuse(string reason) => new(null, reason);
}
