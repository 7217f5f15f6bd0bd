using Microsoft.Extensions.Logging;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Storage;
using Serverless.OrderHistory.Projecting;

namespace Serverless.OrderHistory.Parking;

/// <summary>
/// Keeps one bad event from blocking the projection. When a batch fails because an event cannot be applied
/// (the projection threw, or its order's document would be too large), the store applies the batch again one
/// event at a time, each up to <see cref="Attempts"/> times (a passing fault is not poison), and parks an event
/// that still fails: recorded with its error, logged as an error, skipped, so the checkpoint moves on.
/// Storage failures (the store down, conflicts, a damaged stored view) are never poison: the batch fails and comes again.
/// </summary>
public static class PoisonIsolation
{
    public const int Attempts = 3;

    /// <summary><see cref="OrderHistoryView.Apply"/>, the projection as it ships.</summary>
    public static readonly ApplyEvent Apply = (view, e) => view.Apply(e);

    /// <summary><paramref name="apply"/> (default <see cref="Apply"/>) with its failures marked as the projection's, not the store's.</summary>
    public static ApplyEvent Guarded(ApplyEvent? apply)
    {
        var inner = apply ?? Apply;
        return (view, e) =>
        {
            try
            {
                return inner(view, e);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new ProjectionFailedException(e, ex);
            }
        };
    }

    /// <summary>Whether a batch that failed with <paramref name="error"/> may hold a poison event (else it just fails).</summary>
    public static bool MayBePoison(Exception error) => error is ProjectionFailedException or DocumentTooLargeException;

    /// <summary>
    /// Applies <paramref name="batch"/> one event at a time with <paramref name="applyOne"/>; parks with
    /// <paramref name="park"/> (true: newly parked) what still fails; skips what <paramref name="isParked"/> says
    /// is parked already. Returns how many events changed a view.
    /// </summary>
    public static async Task<int> ApplyOneByOneAsync(
        IReadOnlyList<IntegrationEvent> batch,
        Func<IntegrationEvent, CancellationToken, Task<int>> applyOne,
        Func<ParkedEvent, CancellationToken, Task<bool>> park,
        Func<IntegrationEvent, CancellationToken, Task<bool>>? isParked,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(applyOne);
        ArgumentNullException.ThrowIfNull(park);
        var applied = 0;
        foreach (var e in batch)
        {
            if (isParked is not null && await isParked(e, cancellationToken))
            {
                continue;
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    applied += await applyOne(e, cancellationToken);
                    break;
                }
                catch (Exception ex) when (MayBePoison(ex))
                {
                    if (attempt < Attempts)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), cancellationToken);
                        continue;
                    }

                    var parked = ParkedEvent.Of(e, ex, DateTimeOffset.UtcNow, attempt);
                    if (await park(parked, cancellationToken))
                    {
                        logger.LogError("Order history parked event {MessageId} of order {OrderId} from {Source}: {Error}", parked.MessageId, parked.OrderId, parked.Source, parked.Error);
                    }

                    break;
                }
            }
        }

        return applied;
    }
}

/// <summary>The projection itself failed on <see cref="MessageId"/> (a bug or an event it cannot take), not the store.</summary>
public sealed class ProjectionFailedException : Exception
{
    public ProjectionFailedException()
    {
    }

    public ProjectionFailedException(string message)
        : base(message)
    {
    }

    public ProjectionFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ProjectionFailedException(IntegrationEvent e, Exception inner)
        : base($"Applying event {e?.MessageId} ({e?.Type}) of order {e?.Subject} failed: {inner?.Message}", inner)
    {
        MessageId = e?.MessageId;
    }

    public string? MessageId { get; }
}
