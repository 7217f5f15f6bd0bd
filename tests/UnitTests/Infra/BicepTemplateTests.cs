using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Serverless.UnitTests.Infra;

// Compiles and lints infra/ with the Bicep CLI from the Azure.Bicep.CommandLine NuGet package,
// and checks that azure.yaml and main.bicep agree on the services.
public sealed class BicepTemplateTests
{
    private static readonly string RepoRoot = FindRepoRoot();
    private static readonly string MainBicep = Path.Combine(RepoRoot, "infra", "main.bicep");

    [Fact]
    public async Task MainBicep_Builds_WithoutErrorsOrWarnings()
    {
        var result = await RunBicepAsync("build", MainBicep, "--stdout");

        Assert.True(result.ExitCode == 0, result.StandardError);
        AssertNoDiagnostics(result);
        using var template = JsonDocument.Parse(result.StandardOutput);
        Assert.Contains("subscriptionDeploymentTemplate", template.RootElement.GetProperty("$schema").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MainBicep_PassesTheLinter_WithoutErrorsOrWarnings()
    {
        var result = await RunBicepAsync("lint", MainBicep);

        Assert.True(result.ExitCode == 0, result.StandardError);
        AssertNoDiagnostics(result);
    }

    [Fact]
    public void EveryAzureYamlService_HasAFunctionAppProject()
    {
        var services = ReadAzureYamlServices();

        Assert.NotEmpty(services);
        Assert.All(services, service =>
        {
            Assert.Equal("function", service.Properties.GetValueOrDefault("host"));
            Assert.Equal("dotnet", service.Properties.GetValueOrDefault("language"));
            var project = Path.GetFullPath(Path.Combine(RepoRoot, service.Properties["project"]));
            Assert.True(Directory.Exists(project), $"{service.Name}: project folder {project} is missing");
            Assert.NotEmpty(Directory.GetFiles(project, "*.csproj"));
        });
    }

    [Fact]
    public async Task EveryAzureYamlService_IsAFunctionAppTaggedWithItsName_InMainBicep()
    {
        var yamlServices = ReadAzureYamlServices().Select(s => s.Name).Order();

        var result = await RunBicepAsync("build", MainBicep, "--stdout");
        using var template = JsonDocument.Parse(result.StandardOutput);

        // main.bicep deploys infra/app/service.bicep once per entry of its `services` variable,
        // passing the entry's name down to the Function App's azd-service-name tag.
        var bicepServices = template.RootElement.GetProperty("variables").GetProperty("services")
            .EnumerateArray().Select(s => s.GetProperty("name").GetString()).Order();
        Assert.Equal(yamlServices, bicepServices);
        Assert.Contains(template.RootElement.GetProperty("resources").EnumerateArray(), resource =>
            resource.TryGetProperty("copy", out _)
            && resource.GetProperty("properties").GetProperty("parameters").TryGetProperty("serviceName", out var name)
            && name.GetProperty("value").ValueEquals("[variables('services')[copyIndex()].name]"));
        var functionApps = Descendants(template.RootElement)
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var type) && type.ValueEquals("Microsoft.Web/sites"))
            .ToList();
        Assert.NotEmpty(functionApps);
        Assert.All(functionApps, app => Assert.Contains(
            "createObject('azd-service-name', parameters('serviceName'))", app.GetProperty("tags").GetString(), StringComparison.Ordinal));
    }

    private static void AssertNoDiagnostics(BicepResult result)
    {
        var diagnostics = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.Contains("Warning", StringComparison.OrdinalIgnoreCase) || line.Contains("Error", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.True(diagnostics.Count == 0, string.Join('\n', diagnostics));
    }

    private static IEnumerable<JsonElement> Descendants(JsonElement element)
    {
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => element.EnumerateArray(),
            _ => [],
        };
        return children.SelectMany(child => Descendants(child).Prepend(child));
    }

    // azure.yaml is read just deep enough for the `services:` map: "  name:" then "    key: value".
    private static List<AzdService> ReadAzureYamlServices()
    {
        var services = new List<AzdService>();
        var inServices = false;
        foreach (var line in File.ReadLines(Path.Combine(RepoRoot, "azure.yaml")))
        {
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (!line.StartsWith(' '))
            {
                inServices = line.TrimEnd() == "services:";
            }
            else if (inServices && !line.StartsWith("   ", StringComparison.Ordinal))
            {
                services.Add(new AzdService(line.Trim().TrimEnd(':'), []));
            }
            else if (inServices && !line.StartsWith("     ", StringComparison.Ordinal))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                services[^1].Properties[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return services;
    }

    private static async Task<BicepResult> RunBicepAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(BicepExecutable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new BicepResult(process.ExitCode, await output, await error);
    }

    private static string BicepExecutable()
    {
        var packagePath = typeof(BicepTemplateTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepPackagePath").Value;
        Assert.False(string.IsNullOrEmpty(packagePath), "The Azure.Bicep.CommandLine package path was not generated at build time.");
        var bicep = Path.Combine(packagePath, "tools", OperatingSystem.IsWindows() ? "bicep.exe" : "bicep");
        Assert.True(File.Exists(bicep), $"Bicep CLI not found at {bicep}");

        // NuGet extraction does not always keep the executable bit.
        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(bicep).HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }

        return bicep;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Serverless.sln or global.json above {AppContext.BaseDirectory}");
    }

    private sealed record AzdService(string Name, Dictionary<string, string> Properties);

    private sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError);
}
