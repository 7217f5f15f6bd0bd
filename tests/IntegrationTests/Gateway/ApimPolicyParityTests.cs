using System.Text.Json;
using System.Xml.Linq;
using Serverless.AppHost.Gateway;
using Serverless.BuildingBlocks.Http;

namespace Serverless.IntegrationTests.Gateway;

/// <summary>The local gateway and API Management apply the same policies with the same limits.</summary>
public sealed class ApimPolicyParityTests
{
    private static readonly XDocument Apim = XDocument.Load(Path.Combine(RepoRoot(), "infra", "apim", "api-policy.xml"));
    private static readonly JsonElement LocalSettings = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))).RootElement;

    /// <summary>What each local policy must look like in the APIM policy document.</summary>
    private static readonly Dictionary<string, Action> Counterparts = new()
    {
        ["correlation-id"] = () =>
        {
            Assert.Contains(Section("inbound").Descendants("set-header"), h => (string?)h.Attribute("name") == "x-correlation-id");
            Assert.Contains(Section("outbound").Descendants("set-header"), h => (string?)h.Attribute("name") == "x-correlation-id");
        },
        ["trace-context"] = () => Assert.Contains(Section("inbound").Descendants("set-header"), h => (string?)h.Attribute("name") == "traceparent"),
        ["body-limit"] = () =>
        {
            var limit = Section("inbound").Descendants("when").Single(w => ((string?)w.Attribute("condition") ?? "").Contains("Content-Length", StringComparison.Ordinal));
            Assert.Contains($"> {JsonBody.MaxBytes})", (string)limit.Attribute("condition")!, StringComparison.Ordinal);
            Assert.Equal("413", (string?)limit.Descendants("set-status").Single().Attribute("code"));
        },
        ["jwt-validation"] = () =>
        {
            var jwt = Section("inbound").Descendants("validate-jwt").Single();
            Assert.Equal("401", (string?)jwt.Attribute("failed-validation-httpcode"));
            Assert.Equal("true", (string?)jwt.Attribute("require-signed-tokens"));
            Assert.Equal("true", (string?)jwt.Attribute("require-expiration-time"));
            Assert.Single(jwt.Descendants("openid-config"));
            Assert.Single(jwt.Descendants("audience"));
            Assert.Single(jwt.Descendants("issuer"));
        },
        ["rate-limit"] = () =>
        {
            var limits = Section("inbound").Descendants("rate-limit-by-key").ToList();
            var gateway = LocalSettings.GetProperty("Gateway");
            Assert.All(limits, limit =>
            {
                Assert.Equal(gateway.GetProperty("RateLimitPermits").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)limit.Attribute("calls"));
                Assert.Equal(gateway.GetProperty("RateLimitWindowSeconds").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)limit.Attribute("renewal-period"));
                Assert.Equal("Retry-After", (string?)limit.Attribute("retry-after-header-name"));
            });

            // A valid token's caller by its subject; every other call (refused tokens and sign-ins included) by client address,
            // counted before validate-jwt can refuse it
            Assert.Contains(limits, l => ((string)l.Attribute("counter-key")!).Contains("sub:", StringComparison.Ordinal));
            var byAddress = Assert.Single(limits, l => ((string)l.Attribute("counter-key")!).Contains("ip:", StringComparison.Ordinal));
            Assert.True(byAddress.IsBefore(Section("inbound").Descendants("validate-jwt").Single()), "the client-address limit must come before validate-jwt");
            Assert.Contains("ContainsKey(\"jwt\")", (string)byAddress.Attribute("increment-condition")!, StringComparison.Ordinal);
        },
        ["request-metrics"] = () =>
        {
            var metrics = Section("outbound").Descendants("emit-metric").ToList();
            Assert.Contains(metrics, m => (string?)m.Attribute("value") == "1"); // rate and errors
            Assert.Contains(metrics, m => ((string?)m.Attribute("value") ?? "").Contains("context.Elapsed", StringComparison.Ordinal)); // latency
            Assert.All(metrics, m => Assert.Equal(["route", "status"], m.Elements("dimension").Select(d => (string?)d.Attribute("name"))));
        },
        ["problem-details"] = () => Assert.Contains(Section("on-error").Descendants("value"), v => v.Value == Problems.ContentType),
    };

    [Fact]
    public void EveryLocalGatewayPolicy_HasItsApiManagementCounterpart()
    {
        Assert.Empty(GatewayApp.Policies.Except(Counterparts.Keys));
        foreach (var policy in GatewayApp.Policies)
        {
            Counterparts[policy]();
        }
    }

    private static XElement Section(string name) => Apim.Root!.Element(name) ?? throw new InvalidOperationException($"No <{name}> section.");

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
