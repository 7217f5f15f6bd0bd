using System.Net;
using System.Net.Http.Json;

namespace Serverless.IntegrationTests.Payments.ManagingWallets;

[Collection(ServicesCollection.Name)]
public sealed class ManagingWalletsTests(ServicesFixture services)
{
    [Fact]
    public async Task PutAccount_AsAdmin_ThenTheCustomerReadsItsOwnBalance()
    {
        // Given an admin
        using var admin = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("admin"));

        // When the admin sets alice's balance
        using var put = await admin.PutAsJsonAsync("api/payments/accounts/alice", new { balance = 123.45m });

        // Then the answer is the account, and alice reads the same balance
        Assert.Equal(new AccountView("alice", 123.45m), await put.ReadOkAsync<AccountView>());
        using var alice = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("alice"));
        using var read = await alice.GetAsync("api/payments/accounts/alice");
        Assert.Equal(new AccountView("alice", 123.45m), await read.ReadOkAsync<AccountView>());
    }

    [Fact]
    public async Task GetAccount_OfAnotherCustomer_Is404NotForbidden()
    {
        // Given bob has a wallet
        await services.PutBalanceAsync("bob", 50m);
        using var alice = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("alice"));

        // When alice asks for bob's wallet
        using var response = await alice.GetAsync("api/payments/accounts/bob");

        // Then it does not exist as far as she can tell
        await response.ReadProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetAccount_AsAdmin_ReadsAnyCustomer()
    {
        // Given bob has a wallet
        await services.PutBalanceAsync("bob", 77.70m);
        using var admin = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("admin"));

        // When the admin reads it
        using var response = await admin.GetAsync("api/payments/accounts/bob");

        // Then the admin sees bob's balance
        Assert.Equal(new AccountView("bob", 77.70m), await response.ReadOkAsync<AccountView>());
    }

    [Fact]
    public async Task PutAccount_AsCustomer_Is403_AndLeavesBalanceUnchanged()
    {
        // Given alice has 10.00
        await services.PutBalanceAsync("alice", 10m);
        using var alice = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("alice"));

        // When alice tries to set her own balance
        using var response = await alice.PutAsJsonAsync("api/payments/accounts/alice", new { balance = 1_000_000m });

        // Then the answer is 403 and the balance is still 10.00
        await response.ReadProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(10m, await services.GetBalanceAsync("alice"));
    }

    [Fact]
    public async Task PutAccount_WithBalanceBeyondTheCentsRange_Is400KeyedByBalance_AndLeavesBalanceUnchanged()
    {
        // Given a customer with 20.00
        var customer = ServicesFixture.NewId("cust");
        await services.PutBalanceAsync(customer, 20m);
        using var admin = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("admin"));

        // When the admin puts a balance too large to be held as cents
        using var response = await admin.PutAsync($"api/payments/accounts/{customer}", Http.Json("""{"balance":100000000000000000}"""));

        // Then the answer is a validation problem naming the balance (not a 500), and the wallet is unchanged
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("balance", out _));
        Assert.Equal(20m, await services.GetBalanceAsync(customer));
    }

    [Theory]
    [InlineData("""{"balance":-0.01}""")]
    [InlineData("""{"balance":1.001}""")]
    [InlineData("""{}""")]
    public async Task PutAccount_WithInvalidBalance_Is400KeyedByBalance_AndLeavesBalanceUnchanged(string body)
    {
        // Given a customer with 20.00
        var customer = ServicesFixture.NewId("cust");
        await services.PutBalanceAsync(customer, 20m);
        using var admin = services.ClientFor(ServicesFixture.Payments, await services.TokenAsync("admin"));

        // When the admin puts an invalid balance
        using var response = await admin.PutAsync($"api/payments/accounts/{customer}", Http.Json(body));

        // Then the answer names the balance and the wallet is unchanged
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("balance", out _));
        Assert.Equal(20m, await services.GetBalanceAsync(customer));
    }
}
