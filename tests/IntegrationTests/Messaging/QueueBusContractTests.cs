using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.IntegrationTests.Messaging;

/// <summary>The bus contract on the local adapter: Azurite queues (the test collection's own Azurite), selected as locally, by <c>Bus:ConnectionString</c> alone.</summary>
[Collection("azurite")]
public sealed class QueueBusContractTests(AzuriteFixture azurite) : BusContract
{
    protected override IReadOnlyDictionary<string, string?> BusSettings() =>
        new Dictionary<string, string?> { ["Bus:ConnectionString"] = azurite.Options.ConnectionString };

    protected override async Task SendUnreadableAsync(string body)
    {
        var queue = Services.GetRequiredService<QueueServiceClient>().GetQueueClient(BusTopology.QueueName(Topic, Subscriber));
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(body);
    }
}
