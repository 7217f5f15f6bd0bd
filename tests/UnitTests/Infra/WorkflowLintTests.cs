using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Serverless.UnitTests.Infra;

/// <summary>
/// The GitHub workflows, linted offline: valid YAML with triggers and jobs, every repo script they
/// run exists, every action is pinned, permissions are least, and no secret is written in them.
/// </summary>
public sealed partial class WorkflowLintTests
{
    private static readonly string Root = FindRepoRoot();
    private static readonly string Folder = Path.Combine(Root, ".github", "workflows");

    private static readonly string[] Files = [.. Directory.GetFiles(Folder, "*.yml").Select(f => Path.GetFileName(f)).Order()];

    public static TheoryData<string> Workflows => [.. Files];

    [Fact]
    public void ThePipeline_HasCiDeployAndNightly()
    {
        Assert.Equal(["ci.yml", "deploy.yml", "nightly.yml"], Files);
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_IsYamlWithTriggersAndJobs(string workflow)
    {
        var root = Load(workflow);

        Assert.True(root.Children.ContainsKey("on"), "no 'on' triggers");
        var jobs = Assert.IsType<YamlMappingNode>(root["jobs"]);
        Assert.NotEmpty(jobs.Children);
        Assert.All(Jobs(root), job => Assert.True(job.Job.Children.ContainsKey("runs-on"), $"{job.Name}: no runs-on"));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void EveryScriptARunStepCalls_Exists(string workflow)
    {
        var scripts = AllSteps(Load(workflow)).Select(s => Scalar(s.Step, "run")).OfType<string>()
            .SelectMany(run => RepoScript().Matches(run).Select(m => m.Groups["path"].Value))
            .ToList();

        Assert.All(scripts, script => Assert.True(File.Exists(Path.Combine(Root, script)), $"{workflow} runs {script}, which is not in the repo"));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void EveryAction_IsPinnedToAVersion(string workflow)
    {
        var actions = AllSteps(Load(workflow)).Select(s => Scalar(s.Step, "uses")).OfType<string>().ToList();

        Assert.NotEmpty(actions);
        Assert.All(actions, uses => Assert.Matches(PinnedAction(), uses));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Permissions_AreLeast_OidcOnlyWhereAzureLoginRuns(string workflow)
    {
        var root = Load(workflow);

        // The workflow's default: read the repo, nothing else
        var defaults = Assert.IsType<YamlMappingNode>(root["permissions"]);
        Assert.Equal("read", Scalar(defaults, "contents"));
        Assert.All(defaults.Children, p => Assert.Equal("read", ((YamlScalarNode)p.Value).Value));

        foreach (var (name, job) in Jobs(root))
        {
            var permissions = job.Children.TryGetValue("permissions", out var p) ? Assert.IsType<YamlMappingNode>(p) : defaults;
            var logsInToAzure = Steps(job).Any(s => Scalar(s, "uses")?.StartsWith("azure/login@", StringComparison.OrdinalIgnoreCase) == true);
            Assert.True(logsInToAzure == (Scalar(permissions, "id-token") == "write"), $"{workflow} {name}: id-token: write exactly where azure/login runs");
            Assert.All(permissions.Children.Where(x => ((YamlScalarNode)x.Value).Value == "write"),
                x => Assert.Contains(((YamlScalarNode)x.Key).Value, (string[])["id-token", "checks"]));
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void NoSecret_IsWrittenInTheWorkflow(string workflow)
    {
        var text = File.ReadAllText(Path.Combine(Folder, workflow));

        Assert.DoesNotMatch(Guid(), text); // client, tenant and subscription ids are variables
        Assert.DoesNotMatch(SecretAssignment(), text);
        Assert.DoesNotContain("-password", text, StringComparison.Ordinal); // the local demo passwords
        Assert.DoesNotContain("AccountKey=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secrets.", text, StringComparison.Ordinal); // OIDC: nothing to keep in GitHub secrets
    }

    [Fact]
    public void DeployToProduction_WaitsForStaging_AndItsEnvironment()
    {
        var jobs = Jobs(Load("deploy.yml")).ToDictionary(j => j.Name, j => j.Job);

        Assert.Equal("staging", Scalar((YamlMappingNode)jobs["staging"]["environment"], "name"));
        Assert.Equal("production", Scalar((YamlMappingNode)jobs["production"]["environment"], "name"));
        Assert.Equal("staging", Scalar(jobs["production"], "needs"));
        Assert.Contains(Steps(jobs["staging"]), s => Scalar(s, "run")?.Contains("scripts/smoke-test.sh", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Nightly_TearsDownAlways()
    {
        var root = Load("nightly.yml");
        var teardown = AllSteps(root).Select(s => s.Step).Single(s => Scalar(s, "run")?.Contains("azd down", StringComparison.Ordinal) == true);

        Assert.Contains("schedule", ((YamlMappingNode)root["on"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Contains("--purge", Scalar(teardown, "run"), StringComparison.Ordinal);
        Assert.Contains("always()", Scalar(teardown, "if"), StringComparison.Ordinal);
        Assert.Contains(AllSteps(root), s => Scalar(s.Step, "run")?.Contains("scripts/smoke-test.sh", StringComparison.Ordinal) == true);
    }

    private static YamlMappingNode Load(string workflow)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Folder, workflow));
        yaml.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(yaml.Documents).RootNode);
    }

    private static IEnumerable<(string Name, YamlMappingNode Job)> Jobs(YamlMappingNode root) =>
        ((YamlMappingNode)root["jobs"]).Children.Select(j => (((YamlScalarNode)j.Key).Value!, (YamlMappingNode)j.Value));

    private static IEnumerable<(string Job, YamlMappingNode Step)> AllSteps(YamlMappingNode root) =>
        Jobs(root).SelectMany(j => Steps(j.Job).Select(s => (j.Name, s)));

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) =>
        job.Children.TryGetValue("steps", out var steps) ? ((YamlSequenceNode)steps).Children.Cast<YamlMappingNode>() : [];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>A repo script as a run step calls it: <c>bash x</c>, <c>sh x</c>, <c>./x</c>, or a path under <c>scripts/</c> or <c>.ci/</c>.</summary>
    [GeneratedRegex(@"(?:(?:^|[\s;&|(])(?:bash|sh)\s+|(?:^|[\s;&|(])\./|(?=(?<![\w/.-])(?:scripts|\.ci)/))(?<path>[\w./-]+)", RegexOptions.Multiline)]
    private static partial Regex RepoScript();

    /// <summary><c>owner/repo[/path]@vN[.N[.N]]</c> or a full commit sha; never a branch.</summary>
    [GeneratedRegex(@"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")]
    private static partial Regex PinnedAction();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();

    /// <summary>A key, password, secret or token given a literal value (not an expression, a variable or a command's output).</summary>
    [GeneratedRegex(@"(?i)(password|secret|token|key)[\w-]*\s*[:=]\s*(?![\s'""]*(\$|\$\{\{))['""]?[A-Za-z0-9+/=_.-]{8,}")]
    private static partial Regex SecretAssignment();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Serverless.sln not found above the test output.");
    }
}
