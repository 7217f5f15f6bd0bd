using System.Text.Json;
using System.Text.RegularExpressions;

namespace Serverless.UnitTests.Infra;

/// <summary>
/// The <c>local.settings.sample.json</c> files (for those who run an app with <c>func start</c>) stay
/// in step with the code: one per Function App, each on its own port, and every one's service
/// registry pointing at the port each app really listens on.
/// </summary>
public sealed partial class LocalSettingsSampleTests
{
    private static readonly string Functions = Path.Combine(RepoRoot(), "functions");

    [Fact]
    public void EveryFunctionApp_HasASample_OnItsOwnPort()
    {
        var apps = FunctionApps();

        Assert.Equal(9, apps.Count);
        Assert.All(apps, app => Assert.True(File.Exists(SamplePath(app.Folder)), $"{app.Folder} has no local.settings.sample.json"));
        Assert.Equal(apps.Count, apps.Select(app => Port(app.Folder)).Distinct().Count());
    }

    [Fact]
    public void EverySample_ListsEveryApp_AtThePortThatAppListensOn()
    {
        var apps = FunctionApps();
        var ports = apps.ToDictionary(app => app.Name, app => Port(app.Folder));

        foreach (var app in apps)
        {
            var values = Values(app.Folder);
            foreach (var (name, port) in ports)
            {
                Assert.True(values.TryGetValue($"Services__{name}__http__0", out var address), $"{app.Folder}'s sample does not list {name}");
                Assert.Equal($"http://localhost:{port}", address);
            }
        }
    }

    [Fact]
    public void EverySample_WorksWithFuncStart_AgainstAzurite_WithItsDataInsideTheRepository()
    {
        var repoData = Path.Combine(RepoRoot(), ".data");
        foreach (var app in FunctionApps())
        {
            var values = Values(app.Folder);
            Assert.Equal("dotnet-isolated", values.GetValueOrDefault("FUNCTIONS_WORKER_RUNTIME"));
            Assert.Equal("UseDevelopmentStorage=true", values.GetValueOrDefault("AzureWebJobsStorage"));
            Assert.False(values.ContainsKey("Hosting__Target"), $"{app.Folder}'s sample must run in local mode");

            // func start runs the worker from the build output (bin/Debug/<tfm>): the data folder is relative to it.
            Assert.True(values.TryGetValue("Storage__DataDirectory", out var directory) && !string.IsNullOrEmpty(directory), $"{app.Folder}'s sample has no Storage__DataDirectory");
            var output = Path.Combine(Functions, app.Folder, "bin", "Debug", "net10.0");
            Assert.Equal(repoData, Path.GetFullPath(Path.Combine(output, directory!)));
            using var sample = JsonDocument.Parse(File.ReadAllText(SamplePath(app.Folder)));
            Assert.False(sample.RootElement.GetProperty("IsEncrypted").GetBoolean());
        }
    }

    /// <summary>Function App projects (they import FunctionApp.props) and their logical names (OrderHistory -> order-history).</summary>
    private static List<(string Folder, string Name)> FunctionApps() =>
        [.. Directory.GetDirectories(Functions)
            .Where(dir => Directory.GetFiles(dir, "*.csproj").Any(p => File.ReadAllText(p).Contains("FunctionApp.props", StringComparison.Ordinal)))
            .Select(dir => Path.GetFileName(dir))
            .Select(folder => (folder, Kebab().Replace(folder, "-$1").ToLowerInvariant()))];

    private static string SamplePath(string folder) => Path.Combine(Functions, folder, "local.settings.sample.json");

    private static int Port(string folder) =>
        JsonDocument.Parse(File.ReadAllText(SamplePath(folder))).RootElement.GetProperty("Host").GetProperty("LocalHttpPort").GetInt32();

    private static Dictionary<string, string?> Values(string folder) =>
        JsonDocument.Parse(File.ReadAllText(SamplePath(folder))).RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString());

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex Kebab();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Serverless.sln not found.");
    }
}
