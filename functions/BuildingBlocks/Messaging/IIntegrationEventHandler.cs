using Serverless.BuildingBlocks.Storage.Sqlite;

namespace Serverless.BuildingBlocks.Messaging;

/// <summary>A service's handler of the integration events it subscribes to. It must be idempotent (see <see cref="Outbox.TryMarkHandledAsync"/>).</summary>
public interface IIntegrationEventHandler
{
    Task HandleAsync(IntegrationEvent e, CancellationToken cancellationToken);
}
