using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Serverless.BuildingBlocks.Messaging.ServiceBus;
using Serverless.IntegrationTests.Skipping;

namespace Serverless.IntegrationTests.Messaging;

/// <summary>
/// The bus contract on Azure Service Bus, when a namespace is configured:
/// <c>ServiceBus__FullyQualifiedNamespace</c> (signed in with <c>DefaultAzureCredential</c>: the identity
/// needs Azure Service Bus Data Owner, since each test creates a topic and deletes it after) or
/// <c>ServiceBus__ConnectionString</c> (e.g. the emulator's, where Docker runs). Otherwise every test
/// here is reported as skipped, with the reason.
/// </summary>
[RequiresEnvironment("skipped: set ServiceBus__FullyQualifiedNamespace (or an emulator connection string)",
    "ServiceBus__FullyQualifiedNamespace", "ServiceBus__ConnectionString")]
public sealed class ServiceBusContractTests : BusContract
{
    protected override TimeSpan Within => TimeSpan.FromSeconds(90);

    protected override IReadOnlyDictionary<string, string?> BusSettings() => new Dictionary<string, string?>
    {
        ["Bus:Provider"] = "servicebus",
        ["Bus:FullyQualifiedNamespace"] = Environment.GetEnvironmentVariable("ServiceBus__FullyQualifiedNamespace"),
        ["Bus:ConnectionString"] = Environment.GetEnvironmentVariable("ServiceBus__ConnectionString"),
    };

    protected override async Task SendUnreadableAsync(string body)
    {
        await Services.GetRequiredService<ServiceBusEntities>().EnsureTopologyAsync(CancellationToken.None);
        await Services.GetRequiredService<ServiceBusConnection>().Sender(Topic)
            .SendMessageAsync(new ServiceBusMessage(body) { MessageId = "unreadable-" + Guid.NewGuid().ToString("N") });
    }

    protected override async Task CleanUpAsync()
    {
        try
        {
            await Services.GetRequiredService<ServiceBusConnection>().Administration.DeleteTopicAsync(Topic);
        }
        catch (ServiceBusException ex) when (ex.Reason == ServiceBusFailureReason.MessagingEntityNotFound)
        {
        }
    }
}
