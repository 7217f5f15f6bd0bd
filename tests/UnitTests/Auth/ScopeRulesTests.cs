using Serverless.BuildingBlocks.Auth;

namespace Serverless.UnitTests.Auth;

/// <summary>The one authorization rule every endpoint applies: services by scope, users by role.</summary>
public sealed class ScopeRulesTests
{
    private static readonly string[] AdminOnly = [Roles.Admin];

    private static Caller Service(string client, string scopes) => new(client, Roles.Service) { Scopes = ServiceScope.Parse(scopes) };

    [Fact]
    public void ServiceWithTheScope_IsAllowed()
    {
        // Given the orders client, scoped to charge; When it calls the charge endpoint; Then it is allowed
        var orders = Service("orders", "inventory.reserve payments.charge shipping.book");
        Assert.True(orders.IsAllowed(ServiceScope.PaymentsCharge, AdminOnly));
    }

    [Fact]
    public void ServiceWithoutTheScope_IsDenied_WhateverElseItMayDo()
    {
        // Given the web BFF's client, scoped to read payments and shipments
        var webBff = Service("web-bff", "payments.read shipping.read");

        // When it calls the charge endpoint; Then it is denied
        Assert.False(webBff.IsAllowed(ServiceScope.PaymentsCharge, AdminOnly));
        Assert.True(webBff.IsAllowed(ServiceScope.PaymentsRead, AdminOnly));
    }

    [Fact]
    public void ServiceRole_IsNeverEnough_EvenWhenARoleListNamesIt()
    {
        // Given a service token with no scopes
        var bare = Service("web-bff", "");

        // Then neither a scoped endpoint nor a role list (even one naming the service role) lets it in
        Assert.False(bare.IsAllowed(ServiceScope.PaymentsCharge, [Roles.Service, Roles.Admin]));
        Assert.False(bare.IsAllowed(null, [Roles.Service]));
        Assert.False(bare.HasScope(ServiceScope.PaymentsCharge));
    }

    [Fact]
    public void ScopeClaimOnAUserToken_GrantsNothing()
    {
        // Given a customer whose token somehow carries a scope
        var alice = new Caller("alice", Roles.Customer) { Scopes = ServiceScope.Parse("payments.charge") };

        // Then scopes only count for services
        Assert.False(alice.HasScope(ServiceScope.PaymentsCharge));
        Assert.False(alice.IsAllowed(ServiceScope.PaymentsCharge, AdminOnly));
    }

    [Fact]
    public void Admin_KeepsAccess_WhereTheEndpointListsAdmins()
    {
        var admin = new Caller("admin", Roles.Admin);
        Assert.True(admin.IsAllowed(ServiceScope.PaymentsCharge, AdminOnly));
        Assert.False(new Caller("alice", Roles.Customer).IsAllowed(ServiceScope.PaymentsCharge, AdminOnly));
    }

    [Fact]
    public void NoScopeAndNoRoles_AdmitsAnyoneSignedIn_ServicesIncluded()
    {
        // The catalogue: the saga reads prices with its own token
        Assert.True(Service("orders", "").IsAllowed(null, []));
        Assert.True(new Caller("alice", Roles.Customer).IsAllowed(null, []));
    }

    [Fact]
    public void ScopedEndpointWithoutRoles_AdmitsNoUser()
    {
        Assert.False(new Caller("admin", Roles.Admin).IsAllowed(ServiceScope.OrdersFeed, []));
    }

    [Fact]
    public void CanSee_OwnDataOnly_ForCustomers_AndAnyonesWithTheReadScope_ForServices()
    {
        var alice = new Caller("alice", Roles.Customer);
        var webBff = Service("web-bff", "payments.read");
        Assert.True(alice.CanSee("alice"));
        Assert.False(alice.CanSee("bob"));
        Assert.True(new Caller("admin", Roles.Admin).CanSee("bob"));
        Assert.True(webBff.CanSee("bob", ServiceScope.PaymentsRead));
        Assert.False(webBff.CanSee("bob", ServiceScope.ShippingRead));
        Assert.False(webBff.CanSee("bob"));
    }

    [Fact]
    public void ServiceSubject_NeverOwnsData_EvenWhenACustomerHasTheSameName()
    {
        Assert.False(Service("orders", "").CanSee("orders"));
    }

    [Theory]
    [InlineData("payments.read shipping.read", 2)]
    [InlineData("  payments.read   payments.read ", 1)]
    [InlineData("", 0)]
    [InlineData(null, 0)]
    public void Parse_SplitsOnSpaces_IgnoringDuplicates(string? scopes, int count) =>
        Assert.Equal(count, ServiceScope.Parse(scopes).Count);

    [Fact]
    public void ScopeNames_AreUnique_AndDotted()
    {
        Assert.Equal(ServiceScope.All.Count, ServiceScope.All.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(ServiceScope.All, s => Assert.Matches("^[a-z-]+\\.[a-z]+$", s.Name));
    }
}
