using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Serverless.BuildingBlocks.Telemetry;

namespace Serverless.UnitTests.Telemetry;

public sealed class ApplicationInsightsTelemetryTests
{
    [Theory]
    [InlineData("Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000001")]
    [InlineData(" ClientId = 00000000-0000-0000-0000-000000000001 ; Authorization = aad ")]
    [InlineData("Authorization=AAD")]
    public void AnAadAuthenticationString_SignsInWithTheManagedIdentity(string authentication) =>
        Assert.IsType<ManagedIdentityCredential>(ApplicationInsightsTelemetry.Credential(authentication));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ClientId=00000000-0000-0000-0000-000000000001")]
    public void WithoutAad_TheExporterUsesTheConnectionStringAlone(string? authentication) =>
        Assert.Null(ApplicationInsightsTelemetry.Credential(authentication));

    [Fact]
    public void WithoutAConnectionString_NothingIsRegistered_LocalModeIsUnchanged()
    {
        var services = new ServiceCollection();

        services.AddApplicationInsights(new ConfigurationBuilder().Build(), "payments");

        Assert.Empty(services);
    }

    [Fact]
    public void WithAConnectionString_TheAppGetsATracerProvider()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ApplicationInsightsTelemetry.ConnectionStringKey] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
        }).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging()
            .AddApplicationInsights(configuration, "payments").BuildServiceProvider();

        Assert.NotNull(provider.GetService<TracerProvider>());
    }
}
