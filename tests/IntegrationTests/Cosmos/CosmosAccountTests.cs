using System.Net;
using Microsoft.Azure.Cosmos;
using Serverless.IntegrationTests.Skipping;

namespace Serverless.IntegrationTests.Cosmos;

/// <summary>
/// With <c>COSMOS_ENDPOINT</c> set, every test of the "cosmos" collection (all the Cosmos contract
/// suites) runs against that account or emulator instead of the local server; this says so in the
/// results — and says "skipped" when it is not set, never a silent pass.
/// </summary>
[Collection("cosmos")]
[RequiresEnvironment("skipped: set COSMOS_ENDPOINT (and COSMOS_KEY, or sign in for DefaultAzureCredential) to run the Cosmos suites against a real account or emulator", "COSMOS_ENDPOINT")]
public sealed class CosmosAccountTests(CosmosServerFixture cosmos)
{
    [ContractFact]
    public async Task TheCosmosSuites_RunAgainstTheConfiguredAccount()
    {
        Assert.True(CosmosServerFixture.UsesConfiguredAccount);
        Assert.Equal(Environment.GetEnvironmentVariable("COSMOS_ENDPOINT"), cosmos.Account.Endpoint);

        var container = await cosmos.CreateContainerAsync("/pk");
        await container.CreateItemAsync(new { id = "probe", pk = "p", value = 42 }, new PartitionKey("p"));
        using var read = await container.ReadItemStreamAsync("probe", new PartitionKey("p"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        await container.Database.DeleteAsync();
    }
}
