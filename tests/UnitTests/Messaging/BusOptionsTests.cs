using Microsoft.Extensions.Configuration;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.UnitTests.Messaging;

public sealed class BusOptionsTests
{
    private const string Azurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;";
    private const string Emulator = "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;";

    [Theory]
    [InlineData(null, null, null, BusProvider.None)]
    [InlineData(null, Azurite, null, BusProvider.Queues)]
    [InlineData("queues", Azurite, null, BusProvider.Queues)]
    [InlineData(null, null, "sb-shop.servicebus.windows.net", BusProvider.ServiceBus)]
    [InlineData(null, Emulator, null, BusProvider.ServiceBus)]
    [InlineData("ServiceBus", Azurite, "sb-shop.servicebus.windows.net", BusProvider.ServiceBus)]
    [InlineData("servicebus", Emulator, null, BusProvider.ServiceBus)]
    public void Provider_IsTheConfiguredOne_OrInferredFromTheConnection(string? provider, string? connection, string? ns, BusProvider expected) =>
        Assert.Equal(expected, BusOptions.From(Configuration(provider, connection, ns)).Provider);

    [Fact]
    public void ServiceBus_ByNamespace_KeepsTheNamespace_ForManagedIdentity()
    {
        var options = BusOptions.From(Configuration("servicebus", Azurite, "sb-shop.servicebus.windows.net"));

        Assert.Equal("sb-shop.servicebus.windows.net", options.FullyQualifiedNamespace);
    }

    [Theory]
    [InlineData("kafka", Azurite, null, "not a bus")]
    [InlineData("servicebus", Azurite, null, "needs Bus:FullyQualifiedNamespace")]
    [InlineData("servicebus", null, null, "needs Bus:FullyQualifiedNamespace")]
    [InlineData("queues", null, null, "needs Bus:ConnectionString")]
    [InlineData("queues", Emulator, null, "needs Bus:ConnectionString")]
    public void AProviderThatCannotWork_FailsAtStartup_SayingWhy(string provider, string? connection, string? ns, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => BusOptions.From(Configuration(provider, connection, ns)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoBus_Locally_LeavesTheOutboxWaiting()
    {
        Assert.False(BusOptions.IsAvailableFor(Configuration(null, null, null), "The outbox relay"));
    }

    [Fact]
    public void NoBus_InAzure_IsAnError_NotASilentNone()
    {
        var azure = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hosting:Target"] = "azure" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => BusOptions.IsAvailableFor(azure, "The notifications subscription"));

        Assert.Contains("The notifications subscription needs a bus in Azure", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bus:FullyQualifiedNamespace", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string? provider, string? connection, string? ns) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:Provider"] = provider,
            ["Bus:ConnectionString"] = connection,
            ["Bus:FullyQualifiedNamespace"] = ns,
        }).Build();
}
