using System.Text.Json;
using Serverless.BuildingBlocks.Auth;

namespace Serverless.UnitTests.Identity;

/// <summary>
/// The client -> scopes table lives in configuration (<c>Identity:Clients:{client}:Scopes</c>; the
/// Bicep mirrors it). Both local copies must agree, name only known scopes, and grant each client what
/// its code calls and nothing more.
/// </summary>
public sealed class ClientScopesTests
{
    public static readonly Dictionary<string, string[]> Expected = new()
    {
        // The saga's steps and their undos (and the catalogue read, which needs no scope).
        ["orders"] = ["inventory.reserve", "payments.charge", "shipping.book"],
        // The local read model polls the three producers' feeds (a rebuild replays them).
        ["order-history"] = ["orders.feed", "payments.feed", "shipping.feed"],
        // The order page reads charges and shipments with its own token; orders it reads with the user's.
        ["web-bff"] = ["payments.read", "shipping.read"],
    };

    private static readonly string Functions = Path.Combine(RepoRoot(), "functions");

    [Fact]
    public void AppHostConfiguration_GrantsEachClientExactlyWhatItCalls()
    {
        var clients = JsonDocument.Parse(File.ReadAllText(Path.Combine(Functions, "AppHost", "appsettings.json")))
            .RootElement.GetProperty("Identity").GetProperty("Clients").EnumerateObject()
            .ToDictionary(c => c.Name, c => Sorted(c.Value.GetProperty("Scopes").GetString()));

        Assert.Equal(Expected.Keys.Order(), clients.Keys.Order());
        Assert.All(Expected, e => Assert.Equal(e.Value.Order(), clients[e.Key]));
    }

    [Fact]
    public void IdentitySample_HasTheSameTable()
    {
        var values = JsonDocument.Parse(File.ReadAllText(Path.Combine(Functions, "Identity", "local.settings.sample.json")))
            .RootElement.GetProperty("Values");

        Assert.All(Expected, e => Assert.Equal(e.Value.Order(), Sorted(values.GetProperty($"Identity__Clients__{e.Key}__Scopes").GetString())));
    }

    [Fact]
    public void EveryGrantedScope_IsOneTheEndpointsKnow()
    {
        var known = ServiceScope.All.Select(s => s.Name).ToHashSet();
        Assert.All(Expected.Values.SelectMany(s => s), scope => Assert.Contains(scope, known));
    }

    private static string[] Sorted(string? scopes) => [.. ServiceScope.Parse(scopes).Order()];

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Serverless.sln not found above the test output.");
    }
}
