using Serverless.Identity.IssuingTokens;

namespace Serverless.UnitTests.Identity;

public sealed class IdentityOptionsTests
{
    [Fact]
    public void ClientWithAHyphen_IsFound_UnderItsAppSettingSpelling()
    {
        // Given the Azure spelling (app setting names allow no hyphen): Identity__Clients__order_history__Secret
        var options = new IdentityOptions();
        options.Clients["order_history"] = new ClientEntry { Secret = "s", Scopes = "orders.feed" };
        options.Clients["web-bff"] = new ClientEntry { Secret = "w" };

        // When the client asks as order-history; Then that entry answers, and the local spelling still works
        Assert.Equal("orders.feed", options.Client("order-history")?.Scopes);
        Assert.Equal("w", options.Client("web-bff")?.Secret);
        Assert.Null(options.Client("mobile-bff"));
    }
}
