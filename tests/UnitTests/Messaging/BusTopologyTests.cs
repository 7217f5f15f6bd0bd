using Microsoft.Extensions.Configuration;
using Serverless.BuildingBlocks.Messaging;

namespace Serverless.UnitTests.Messaging;

public sealed class BusTopologyTests
{
    [Fact]
    public void Defaults_OrdersToNotifications_FiveDeliveries()
    {
        var topology = new BusTopology(new ConfigurationBuilder().Build());

        Assert.Equal([("orders", "notifications")], topology.Subscriptions());
        Assert.Equal(["orders", "payments", "shipping"], topology.Topics.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(5, topology.MaxDeliveries);
    }

    [Fact]
    public void Configuration_OverridesSubscribers_AddsTopics_AndSetsMaxDeliveries()
    {
        var topology = new BusTopology(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bus:Topics:orders"] = "notifications, audit",
            ["Bus:Topics:returns"] = "payments",
            ["Bus:MaxDeliveries"] = "3",
        }).Build());

        Assert.Equal(["notifications", "audit"], topology.Topics["orders"]);
        Assert.Equal(["payments"], topology.Topics["returns"]);
        Assert.Empty(topology.Topics["shipping"]);
        Assert.Equal(3, topology.MaxDeliveries);
    }
}
