using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Serverless.AppHost;
using Serverless.AppHost.LocalFunctions;
using Serverless.BuildingBlocks.Hosting;

namespace Serverless.IntegrationTests.Hosting;

/// <summary>Azure mode (<c>Hosting:Target=azure</c>) refuses to start an app that lacks a setting, before it serves anything.</summary>
public sealed class AzureStartupTests
{
    [Fact]
    public async Task PaymentsWorker_InAzureMode_WithSettingsMissing_ExitsAtStart_NamingEveryOne()
    {
        // Given the payments worker started as the Functions host starts it, in Azure mode, with every setting but
        // the App Configuration endpoint, the bus namespace and the Cosmos endpoint
        var missing = new[] { "AppConfiguration:Endpoint", "Cosmos:Endpoint", "Bus:FullyQualifiedNamespace" };
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerPath("Payments"));
        foreach (var key in AzureSettings.RequiredFor("payments").Except(missing))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = key switch
            {
                AzureSettings.TargetKey => "azure",
                "APPLICATIONINSIGHTS_CONNECTION_STRING" => "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
                _ => "set-by-the-test",
            };
        }

        // When it starts
        using var worker = Process.Start(start)!;
        var stderr = worker.StandardError.ReadToEndAsync();
        var stdout = worker.StandardOutput.ReadToEndAsync();
        await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        // Then it exits at once, failed, with one message naming the app and every missing setting
        Assert.NotEqual(0, worker.ExitCode);
        var output = await stderr + await stdout;
        Assert.Contains(AzureSettings.MissingMessage("payments", missing), output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("identity")]
    [InlineData("inventory")]
    [InlineData("payments")]
    [InlineData("shipping")]
    [InlineData("orders")]
    [InlineData("order-history")]
    [InlineData("notifications")]
    [InlineData("web-bff")]
    [InlineData("mobile-bff")]
    public void EveryApp_InAzureMode_WithASettingMissing_DoesNotBuild_OnTheLocalHostEither(string app)
    {
        // Given the app's settings for Azure, all but the token audience
        var settings = AzureSettings.RequiredFor(app).Where(key => key != "Auth:Audience")
            .ToDictionary(key => key, key => (string?)(key == AzureSettings.TargetKey ? "azure" : "set-by-the-test"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        // When its host is built from its module
        var error = Assert.Throws<InvalidOperationException>(() =>
            FunctionAppHost.Build(FunctionAppDefinition.All.Single(d => d.Name == app), configuration, port: 0, durable: null, LocalSystem.ConfigureLogging));

        // Then the module refuses, naming the setting
        Assert.Equal(AzureSettings.MissingMessage(app, ["Auth:Audience"]), error.Message);
    }

    private static string WorkerPath(string project)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                var path = Path.Combine(dir.FullName, "functions", project, "bin", Configuration, "net10.0", project + ".dll");
                return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is not built.");
            }
        }

        throw new InvalidOperationException("Serverless.sln not found above the test output folder.");
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
}
