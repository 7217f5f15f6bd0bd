using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;
using Serverless.BuildingBlocks.Hosting;
using Serverless.BuildingBlocks.Messaging;
using Serverless.BuildingBlocks.Messaging.ServiceBus;
using Serverless.BuildingBlocks.Storage.Cosmos;
using static Serverless.UnitTests.Infra.CompiledTemplate;

namespace Serverless.UnitTests.Infra;

// Compiles and lints infra/ with the Bicep CLI from the Azure.Bicep.CommandLine NuGet package, checks that
// azure.yaml and main.bicep agree on the services, and reads the compiled ARM template for what each app
// gets: its roles, its settings, the Cosmos DB layout, the Service Bus topology, and no key anywhere.
public sealed class BicepTemplateTests
{
    private static readonly string RepoRoot = FindRepoRoot();
    private static readonly string MainBicep = Path.Combine(RepoRoot, "infra", "main.bicep");
    private static readonly Lazy<Task<(string Json, JsonElement Root)>> Compiled = new(CompileAsync);

    /// <summary>Built-in role ids (Azure RBAC), by name: the template must use exactly these.</summary>
    private static readonly Dictionary<string, string> BuiltInRoles = new()
    {
        ["Storage Blob Data Owner"] = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        ["Storage Queue Data Contributor"] = "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
        ["Storage Table Data Contributor"] = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
        ["App Configuration Data Reader"] = "516239f1-63e1-4d78-a4de-a74fb236a071",
        ["Monitoring Metrics Publisher"] = "3913510d-42f4-4e42-8a64-420c390055eb",
        ["Azure Service Bus Data Sender"] = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
        ["Azure Service Bus Data Receiver"] = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
        ["Key Vault Secrets User"] = "4633458b-17de-408a-b874-0445c86b69e6",
        ["Key Vault Crypto User"] = "12338af0-0e69-4776-bea7-57ae8d297424",
    };

    /// <summary>The apps whose hosted processors (outbox relays, projection, Service Bus processor) need an instance that never scales to zero.</summary>
    private static readonly string[] AlwaysReadyApps = ["payments", "shipping", "orders", "order-history", "notifications"];

    /// <summary>Durable Functions on the Azure Storage provider (the order saga) also needs queues and tables.</summary>
    private static readonly string[] DurableApps = ["orders"];

    private static readonly string[] DemoUsers = ["alice", "bob", "admin"];

    /// <summary>The source containers the order history projects from (read-only, their change feeds).</summary>
    private static readonly (string Database, string Container)[] HistorySources = [("orders", "orders"), ("payments", "charges"), ("shipping", "shipments")];

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
        var yamlServices = ReadAzureYamlServices().Select(s => s.Name).Order().ToList();
        var (_, root) = await Compiled.Value;

        // main.bicep deploys infra/app/service.bicep once per entry of its `apps` table, passing the entry down;
        // the entry's name becomes the Function App's azd-service-name tag.
        Assert.Equal(AzureSettings.Apps.Order(), yamlServices);
        Assert.Equal(yamlServices, AppTable(root).Select(a => a.GetProperty("name").GetString()).Order());
        Assert.Equal("[variables('apps')[copyIndex()]]", Parameter(Deployment(root, "services"), "access"));
        var functionApps = AllOfType(root, "Microsoft.Web/sites").ToList();
        Assert.Single(functionApps);
        Assert.Contains("createObject('azd-service-name', parameters('serviceName'))", functionApps[0].GetProperty("tags").GetString(), StringComparison.Ordinal);
        Assert.Contains("parameters('access').name", Parameter(FunctionAppDeployment(root), "serviceName"), StringComparison.Ordinal);
        Assert.All(ReadAzureYamlServices(), service => Assert.Equal(
            "./functions/" + string.Concat(service.Name.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..])),
            service.Properties["project"]));
    }

    [Fact]
    public async Task AlwaysReady_IsOneInstance_ForExactlyTheAppsThatHostProcessors()
    {
        var (json, root) = await Compiled.Value;

        Assert.Equal(AlwaysReadyApps.Order(), AppTable(root).Where(a => a.GetProperty("alwaysReady").GetBoolean()).Select(a => a.GetProperty("name").GetString()).Order());
        Assert.Equal("[if(parameters('access').alwaysReady, createObject('value', 1), createObject('value', 0))]", FunctionAppDeployment(root)
            .GetProperty("properties").GetProperty("parameters").GetProperty("alwaysReadyInstances").GetString());
        var site = AllOfType(root, "Microsoft.Web/sites").Single();
        var scale = site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("scaleAndConcurrency");
        Assert.Equal("[if(greater(parameters('alwaysReadyInstances'), 0), createArray(createObject('name', 'http', 'instanceCount', parameters('alwaysReadyInstances'))), createArray())]",
            scale.GetProperty("alwaysReady").GetString());
        var runtime = site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("runtime");
        Assert.Equal("[parameters('runtimeName')]", runtime.GetProperty("name").GetString());
        Assert.Contains("dotnet-isolated", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryAppIdentity_HasExactlyTheAzureRolesItsCodeNeeds_OnItsOwnResources()
    {
        var (_, root) = await Compiled.Value;

        foreach (var app in AppTable(root))
        {
            var name = app.GetProperty("name").GetString()!;
            var actual = app.GetProperty("roles").EnumerateArray().Select(r => (r.GetProperty("scope").GetString()!, r.GetProperty("role").GetString()!)).ToList();
            Assert.Equal(actual.Count, actual.Distinct().Count());
            Assert.Equal(ExpectedRoles(name).Order(), actual.Order());
        }

        // The table is what the service module grants: one role assignment loop per kind of resource, each over
        // its slice of the app's roles, every one to the app's own identity with the role id of the role's name.
        var service = Template(Deployment(root, "services"));
        var roleIds = service.GetProperty("variables").GetProperty("roleIds").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(BuiltInRoles.OrderBy(p => p.Key), roleIds.OrderBy(p => p.Key));
        var assignments = OfType(service, "Microsoft.Authorization/roleAssignments").ToList();
        var slices = assignments.Select(a =>
        {
            Assert.Equal("[reference('identity').outputs.principalId.value]", a.GetProperty("properties").GetProperty("principalId").GetString());
            var roleDefinition = a.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!;
            var slice = roleDefinition.Split("variables('")[2].Split("')")[0];
            Assert.Equal($"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('roleIds')[variables('{slice}')[copyIndex()].role])]", roleDefinition);
            Assert.Equal($"[length(variables('{slice}'))]", a.GetProperty("copy").GetProperty("count").GetString());
            var filter = ScopeFilter(service.GetProperty("variables").GetProperty(slice).GetString()!);
            Assert.Contains(filter.Value switch
            {
                "storage" => "Microsoft.Storage/storageAccounts', parameters('storageAccountName')",
                "appConfiguration" => "Microsoft.AppConfiguration/configurationStores', parameters('appConfigurationName')",
                "applicationInsights" => "Microsoft.Insights/components', parameters('applicationInsightsName')",
                "topic:" => "Microsoft.ServiceBus/namespaces/topics', parameters('serviceBusName'), substring(variables('topicRoles')",
                "subscription:" => "Microsoft.ServiceBus/namespaces/topics/subscriptions', split(format('{0}/{1}', parameters('serviceBusName'), substring(variables('subscriptionRoles')",
                "secret:" => "Microsoft.KeyVault/vaults/secrets', parameters('keyVaultName'), substring(variables('secretRoles')",
                "key:" => "Microsoft.KeyVault/vaults/keys', parameters('keyVaultName'), substring(variables('keyRoles')",
                _ => "an unknown kind of scope",
            }, a.GetProperty("scope").GetString(), StringComparison.Ordinal);
            return filter;
        }).ToList();
        Assert.All(AppTable(root).SelectMany(a => a.GetProperty("roles").EnumerateArray()), role =>
        {
            var scope = role.GetProperty("scope").GetString()!;
            Assert.Single(slices, s => s.Prefix ? scope.StartsWith(s.Value, StringComparison.Ordinal) : scope == s.Value);
        });

        // Nothing else grants an Azure role, except to the deployer (optional) and to API Management's own identity (metrics).
        var others = AllOfType(root, "Microsoft.Authorization/roleAssignments").Except(assignments).ToList();
        Assert.Equal(3, others.Count);
        Assert.All(others, a => Assert.Contains(a.GetProperty("properties").GetProperty("principalId").GetString(),
            new[] { "[parameters('deployerPrincipalId')]", "[reference('apim', '2024-05-01', 'full').identity.principalId]" }));
    }

    [Fact]
    public async Task EveryAppIdentity_HasExactlyTheCosmosDataRolesItsCodeNeeds_OnItsOwnDatabase()
    {
        var (_, root) = await Compiled.Value;

        foreach (var app in AppTable(root))
        {
            var name = app.GetProperty("name").GetString()!;
            var actual = app.GetProperty("cosmosRoles").EnumerateArray().Select(r => (r.GetProperty("scope").GetString()!, r.GetProperty("role").GetString()!));
            var expected = new List<(string, string)>();
            if (AzureSettings.StorageApps.Contains(name))
            {
                Assert.Contains(CosmosLayout.All, c => c.Service == name);
                expected.Add(($"dbs/{name}", "Cosmos DB Built-in Data Contributor"));
            }

            if (name == "order-history")
            {
                Assert.All(HistorySources, s => CosmosLayout.Find(s.Database, s.Container));
                expected.AddRange(HistorySources.Select(s => ($"dbs/{s.Database}/colls/{s.Container}", "Cosmos DB Built-in Data Reader")));
            }

            Assert.Equal(expected.Order(), actual.Order());
        }

        var access = Deployment(root, "cosmos-access");
        var grants = Parameter(access, "grants");
        Assert.Contains("-service', variables('apps')[copyIndex('value')].name)), '2025-04-01').outputs.principalId.value, 'roles', variables('apps')[copyIndex('value')].cosmosRoles)", grants, StringComparison.Ordinal);
        var template = Template(access);
        var roleIds = template.GetProperty("variables").GetProperty("roleIds");
        Assert.Equal("00000000-0000-0000-0000-000000000001", roleIds.GetProperty("Cosmos DB Built-in Data Reader").GetString());
        Assert.Equal("00000000-0000-0000-0000-000000000002", roleIds.GetProperty("Cosmos DB Built-in Data Contributor").GetString());
        var assignments = OfType(template, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments").ToList();
        Assert.Equal(2, assignments.Count);
        Assert.Contains(assignments, a => a.GetProperty("properties").GetProperty("scope").GetString()
            == "[format('{0}/{1}', resourceId('Microsoft.DocumentDB/databaseAccounts', parameters('accountName')), variables('assignments')[copyIndex()].scope)]");
        Assert.Contains(assignments, a => a.TryGetProperty("condition", out var condition) && condition.GetString() == "[not(empty(parameters('principalId')))]");
    }

    [Fact]
    public async Task CosmosContainers_AreExactlyCosmosLayout()
    {
        var (_, root) = await Compiled.Value;

        var containers = root.GetProperty("variables").GetProperty("cosmosContainers").EnumerateArray()
            .Select(c => (c.GetProperty("database").GetString()!, c.GetProperty("container").GetString()!, c.GetProperty("partitionKeyPath").GetString()!));
        Assert.Equal(CosmosLayout.All.Select(c => (c.Service, c.Container, c.PartitionKeyPath)).Order(), containers.Order());
        var cosmos = Deployment(root, "cosmos");
        Assert.Equal("[variables('cosmosContainers')]", Parameter(cosmos, "containers"));
        var account = OfType(Template(cosmos), "Microsoft.DocumentDB/databaseAccounts").Single().GetProperty("properties");
        Assert.True(account.GetProperty("disableLocalAuth").GetBoolean());
        Assert.Contains(account.GetProperty("capabilities").EnumerateArray(), c => c.GetProperty("name").ValueEquals("EnableServerless"));
        var container = OfType(Template(cosmos), "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers").Single();
        Assert.Equal("[length(parameters('containers'))]", container.GetProperty("copy").GetProperty("count").GetString());
        Assert.Equal("[parameters('containers')[copyIndex()].partitionKeyPath]",
            container.GetProperty("properties").GetProperty("resource").GetProperty("partitionKey").GetProperty("paths")[0].GetString());
    }

    [Fact]
    public async Task ServiceBusTopicsAndSubscriptions_AreExactlyBusTopologyDefaults()
    {
        var (_, root) = await Compiled.Value;

        var topics = root.GetProperty("variables").GetProperty("busTopics").EnumerateArray().ToDictionary(
            t => t.GetProperty("topic").GetString()!, t => t.GetProperty("subscribers").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.Equal(BusTopology.Defaults.Keys.Order(), topics.Keys.Order());
        Assert.All(BusTopology.Defaults, t => Assert.Equal(t.Value, topics[t.Key]));
        Assert.Equal(BusTopology.DefaultMaxDeliveries, root.GetProperty("variables").GetProperty("busMaxDeliveryCount").GetInt32());

        var bus = Deployment(root, "service-bus");
        Assert.Equal("[variables('busTopics')]", Parameter(bus, "topics"));
        Assert.Equal("[variables('busMaxDeliveryCount')]", Parameter(bus, "maxDeliveryCount"));
        var template = Template(bus);
        Assert.True(OfType(template, "Microsoft.ServiceBus/namespaces").Single().GetProperty("properties").GetProperty("disableLocalAuth").GetBoolean());
        Assert.Equal("Standard", OfType(template, "Microsoft.ServiceBus/namespaces").Single().GetProperty("sku").GetProperty("name").GetString());
        var topic = OfType(template, "Microsoft.ServiceBus/namespaces/topics").Single().GetProperty("properties");
        Assert.True(topic.GetProperty("requiresDuplicateDetection").GetBoolean());
        Assert.Equal(System.Xml.XmlConvert.ToString(ServiceBusEntities.DuplicateDetectionWindow),
            template.GetProperty("parameters").GetProperty("duplicateDetectionWindow").GetProperty("defaultValue").GetString());
        var subscription = OfType(template, "Microsoft.ServiceBus/namespaces/topics/subscriptions").Single().GetProperty("properties");
        Assert.Equal("[parameters('maxDeliveryCount')]", subscription.GetProperty("maxDeliveryCount").GetString());
        Assert.True(subscription.GetProperty("deadLetteringOnMessageExpiration").GetBoolean());
        var rule = OfType(template, "Microsoft.ServiceBus/namespaces/topics/subscriptions/rules").Single().GetProperty("properties");
        Assert.Contains($"NOT EXISTS(user.{ServiceBusEnvelope.ReplayForProperty}) OR user.{ServiceBusEnvelope.ReplayForProperty} = ''",
            rule.GetProperty("sqlFilter").GetProperty("sqlExpression").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoKeyOrSecret_IsInTheTemplate_OrInItsOutputs()
    {
        var (json, root) = await Compiled.Value;

        foreach (var forbidden in new[] { "listKeys", "listConnectionStrings", "listSecrets", "AccountKey=", "SharedAccessKey", "primaryKey", "primaryMasterKey", "InstrumentationKey=" })
        {
            Assert.DoesNotContain(forbidden, json, StringComparison.OrdinalIgnoreCase);
        }

        var secureParameters = root.GetProperty("parameters").EnumerateObject().Where(p => p.Value.GetProperty("type").GetString()!.StartsWith("secure", StringComparison.Ordinal)).Select(p => p.Name).ToList();
        Assert.Equal(6, secureParameters.Count);
        Assert.All(secureParameters, p => Assert.Equal("[newGuid()]", root.GetProperty("parameters").GetProperty(p).GetProperty("defaultValue").GetString()));
        foreach (var output in root.GetProperty("outputs").EnumerateObject())
        {
            Assert.Matches("^[A-Z][A-Z0-9_]*$", output.Name);
            Assert.All(secureParameters, p => Assert.DoesNotContain($"parameters('{p}')", output.Value.GetRawText(), StringComparison.Ordinal));
        }

        // The secrets only reach the key vault module's secure object parameter.
        Assert.Equal("secureObject", Template(Deployment(root, "key-vault")).GetProperty("parameters").GetProperty("secrets").GetProperty("type").GetString());
        Assert.All(AllOfType(root, "Microsoft.Storage/storageAccounts").Where(s => !s.TryGetProperty("existing", out _)),
            s => Assert.False(s.GetProperty("properties").GetProperty("allowSharedKeyAccess").GetBoolean()));
        Assert.True(AllOfType(root, "Microsoft.Insights/components").Single(c => !c.TryGetProperty("existing", out _)).GetProperty("properties").GetProperty("DisableLocalAuth").GetBoolean());
        Assert.True(AllOfType(root, "Microsoft.AppConfiguration/configurationStores").Single(c => !c.TryGetProperty("existing", out _)).GetProperty("properties").GetProperty("disableLocalAuth").GetBoolean());
        Assert.True(AllOfType(root, "Microsoft.KeyVault/vaults").Single(c => !c.TryGetProperty("existing", out _)).GetProperty("properties").GetProperty("enableRbacAuthorization").GetBoolean());
    }

    [Fact]
    public async Task EverySettingTheAppsReadInAzure_IsProvidedForEachApp()
    {
        var (_, root) = await Compiled.Value;
        var service = Template(Deployment(root, "services"));
        var variables = service.GetProperty("variables");
        var appSettings = FunctionAppDeployment(root).GetProperty("properties").GetProperty("parameters").GetProperty("appSettings").GetProperty("value").GetString()!;
        var siteSettings = AllOfType(root, "Microsoft.Web/sites/config").Single().GetProperty("properties").GetString()!;
        List<string> Keys(string variable) => [.. variables.GetProperty(variable).EnumerateObject().Select(p => p.Name)];

        // Settings groups, as the service module unions them, each under the app-table flag that selects it.
        Assert.StartsWith("[union(createObject(", appSettings, StringComparison.Ordinal);
        var everyApp = CreateObjectKeys(appSettings).Concat(CreateObjectKeys(siteSettings)).ToList();
        Assert.Contains("if(parameters('access').cosmos, variables('settingsStorageApp'), createObject())", appSettings, StringComparison.Ordinal);
        Assert.Contains("if(parameters('access').bus, variables('settingsBusApp'), createObject())", appSettings, StringComparison.Ordinal);
        Assert.Contains("if(parameters('access').serviceClient, variables('settingsServiceClient'), createObject())", appSettings, StringComparison.Ordinal);
        Assert.Contains("if(equals(parameters('access').name, 'identity'), union(variables('settingsIdentity'), parameters('identityDirectory')), createObject())", appSettings, StringComparison.Ordinal);
        // The registry is in App Configuration: its names hold '-' (order-history), which an app setting's name cannot.
        Assert.Contains("format('Services:{0}:https:0', lambdaVariables('app').name)", root.GetProperty("variables").GetProperty("serviceRegistry").GetString(), StringComparison.Ordinal);
        Assert.All(everyApp, key => Assert.Matches("^[A-Za-z0-9_.]+$", key));

        // App Configuration: the same key-values for every app (no key prefix), under the environment's label.
        var appConfiguration = root.GetProperty("variables").GetProperty("appConfigurationKeys").EnumerateArray().Select(kv => kv.GetProperty("key").GetString()!)
            .Append(root.GetProperty("variables").GetProperty("appConfigurationSentinelKey").GetString()!).ToList();
        Assert.Equal("[concat(variables('appConfigurationKeys'), variables('serviceRegistry'))]", Parameter(Deployment(root, "app-configuration"), "keyValues"));

        foreach (var app in AppTable(root))
        {
            var name = app.GetProperty("name").GetString()!;
            Assert.Equal(AzureSettings.StorageApps.Contains(name), app.GetProperty("cosmos").GetBoolean());
            Assert.Equal(AzureSettings.BusApps.Contains(name), app.GetProperty("bus").GetBoolean());
            Assert.Equal(AzureSettings.ServiceClients.Contains(name), app.GetProperty("serviceClient").GetBoolean());
            var provided = everyApp
                .Concat(app.GetProperty("cosmos").GetBoolean() ? Keys("settingsStorageApp") : [])
                .Concat(app.GetProperty("bus").GetBoolean() ? Keys("settingsBusApp") : [])
                .Concat(app.GetProperty("serviceClient").GetBoolean() ? Keys("settingsServiceClient") : [])
                .Concat(name == "identity" ? Keys("settingsIdentity") : [])
                .Concat(name == "identity" ? IdentityDirectoryKeys(root) : [])
                .Select(k => k.Replace("__", ":", StringComparison.Ordinal))
                .Concat(appConfiguration)
                .Concat(AzureSettings.Apps.Select(a => $"Services:{a}:https:0"))
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            Assert.All(AzureSettings.RequiredFor(name), key => Assert.True(provided.Contains(key), $"{name}: {key} is not provided by the Bicep"));
        }

        // The identity service's directory: every demo user and service client, secrets as Key Vault references only.
        var directory = root.GetProperty("variables").GetProperty("identityDirectory").GetString()!;
        // Setting names allow no '-': the client order-history is Identity__Clients__order_history__* (identity reads both spellings).
        Assert.Contains("format('Identity__Clients__{0}__Secret', replace(lambdaVariables('c').name, '-', '_'))", directory, StringComparison.Ordinal);
        Assert.Equal(DemoUsers, root.GetProperty("variables").GetProperty("demoUsers").EnumerateArray().Select(u => u.GetProperty("name").GetString()));
        Assert.Equal(AzureSettings.ServiceClients, root.GetProperty("variables").GetProperty("serviceClients").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        // Each client's scopes in Azure are the ones it has locally (the AppHost's Identity:Clients table).
        using var local = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "functions", "AppHost", "appsettings.json")));
        var localScopes = local.RootElement.GetProperty("Identity").GetProperty("Clients").EnumerateObject()
            .ToDictionary(c => c.Name, c => c.Value.GetProperty("Scopes").GetString());
        Assert.Equal(localScopes.OrderBy(c => c.Key), root.GetProperty("variables").GetProperty("serviceClients").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("scopes").GetString()).OrderBy(c => c.Key));
        Assert.Contains("'@Microsoft.KeyVault(SecretUri={0}/secrets/user-{1})'", directory, StringComparison.Ordinal);
        Assert.Contains("'@Microsoft.KeyVault(SecretUri={0}/secrets/client-{1})'", directory, StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(SecretUri={0}/secrets/client-{1})", variables.GetProperty("settingsServiceClient").GetProperty("Auth__ClientSecret").GetString(), StringComparison.Ordinal);
        var site = AllOfType(root, "Microsoft.Web/sites").Single().GetProperty("properties");
        Assert.Equal("[parameters('identityId')]", site.GetProperty("keyVaultReferenceIdentity").GetString());
    }

    // The identity directory's setting names, as main.bicep's identityDirectory builds them from its users and clients.
    private static IEnumerable<string> IdentityDirectoryKeys(JsonElement root)
    {
        var variables = root.GetProperty("variables");
        var users = variables.GetProperty("demoUsers").EnumerateArray().Select(u => AzureSettings.SettingName(u.GetProperty("name").GetString()!));
        var clients = variables.GetProperty("serviceClients").EnumerateArray().Select(c => AzureSettings.SettingName(c.GetProperty("name").GetString()!));
        return users.SelectMany(u => new[] { $"Identity__Users__{u}__Password", $"Identity__Users__{u}__Role" })
            .Concat(clients.SelectMany(c => new[] { $"Identity__Clients__{c}__Secret", $"Identity__Clients__{c}__Scopes" }));
    }

    [Fact]
    public async Task FunctionApps_AcceptTrafficOnlyThroughTheirPrivateEndpoints()
    {
        var (_, root) = await Compiled.Value;

        var site = AllOfType(root, "Microsoft.Web/sites").Single().GetProperty("properties");
        Assert.Equal("Deny", site.GetProperty("siteConfig").GetProperty("ipSecurityRestrictionsDefaultAction").GetString());
        Assert.False(site.GetProperty("siteConfig").TryGetProperty("ipSecurityRestrictions", out _));
        Assert.Equal("[parameters('subnetId')]", site.GetProperty("virtualNetworkSubnetId").GetString());
        Assert.Single(AllOfType(root, "Microsoft.Network/privateEndpoints"));
        Assert.Equal("sites", Parameter(Deployment(Template(Deployment(root, "services")), "private-endpoint"), "groupId"));
        var apim = AllOfType(root, "Microsoft.ApiManagement/service").Single();
        Assert.Equal("External", apim.GetProperty("properties").GetProperty("virtualNetworkType").GetString());
        Assert.All(AllOfType(root, "Microsoft.Web/sites/basicPublishingCredentialsPolicies"), p => Assert.False(p.GetProperty("properties").GetProperty("allow").GetBoolean()));
    }

    [Fact]
    public async Task ApiManagement_RoutesEveryAppToItsBackend_WithACircuitBreaker_AndValidatesRs256Tokens()
    {
        var (_, root) = await Compiled.Value;

        var policy = XDocument.Load(Path.Combine(RepoRoot, "infra", "apim", "api-policy.xml"));
        var routed = policy.Descendants("set-backend-service").Select(b => (string?)b.Attribute("backend-id"));
        Assert.Equal(AzureSettings.Apps.Order(), routed.Order());
        var jwt = policy.Descendants("validate-jwt").Single();
        Assert.Contains(jwt.Descendants("claim"), c => (string?)c.Attribute("name") == "sub");
        Assert.Contains(jwt.Parent!.Descendants("when"), w => ((string?)w.Attribute("condition") ?? "").Contains(".Algorithm != \"RS256\"", StringComparison.Ordinal));

        var gateway = Deployment(root, "gateway");
        var backends = Parameter(gateway, "backends");
        Assert.Contains("'name', variables('apps')[copyIndex('value')].name, 'url', reference(", backends, StringComparison.Ordinal);
        Assert.Contains("-service', variables('apps')[copyIndex('value')].name)), '2025-04-01').outputs.uri.value", backends, StringComparison.Ordinal);
        var backend = AllOfType(root, "Microsoft.ApiManagement/service/backends").Single();
        Assert.Single(backend.GetProperty("properties").GetProperty("circuitBreaker").GetProperty("rules").EnumerateArray());
        var api = AllOfType(root, "Microsoft.ApiManagement/service/apis").Single().GetProperty("properties");
        Assert.Equal("openapi+json", api.GetProperty("format").GetString());
        var apim = Deployment(Template(gateway), "api-management");
        // loadTextContent: the files' text, compiled into the template as variables.
        string Loaded(string parameter) => Template(gateway).GetProperty("variables").GetProperty(Parameter(apim, parameter)["[variables('".Length..^"')]".Length]).GetString()!;
        // The document is loaded whole (loadJsonContent) and imported without the local host's own /health and /ops/*.
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "infra", "apim", "openapi.json")));
        var variables = Template(gateway).GetProperty("variables");
        var loaded = variables.GetProperty(variables.GetProperty("apiDocument").GetString()!["[variables('".Length..^"')]".Length]);
        Assert.Equal(document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name), loaded.GetProperty("paths").EnumerateObject().Select(p => p.Name));
        var imported = Template(gateway).GetProperty("variables").GetProperty("appApi").GetProperty("paths").GetString()!;
        Assert.Contains("not(equals(lambdaVariables('p').key, '/health'))", imported, StringComparison.Ordinal);
        Assert.Contains("not(startsWith(lambdaVariables('p').key, '/ops/'))", imported, StringComparison.Ordinal);
        Assert.Equal("[string(variables('appApi'))]", Parameter(apim, "openApiDocument"));
        Assert.Equal(File.ReadAllText(Path.Combine(RepoRoot, "infra", "apim", "api-policy.xml")), Loaded("apiPolicy"));
        var parameters = apim.GetProperty("properties").GetProperty("parameters");
        Assert.Equal(["web", "mobile"], parameters.GetProperty("products").GetProperty("value").EnumerateArray().Select(p => p.GetProperty("name").GetString()));

        // Every {{named value}} the policy uses is defined.
        var used = System.Text.RegularExpressions.Regex.Matches(Loaded("apiPolicy"), @"\{\{([a-z0-9-]+)\}\}").Select(m => m.Groups[1].Value).Distinct().Order();
        Assert.Equal(used, parameters.GetProperty("namedValues").GetProperty("value").EnumerateObject().Select(p => p.Name).Order());
    }

    private static List<JsonElement> AppTable(JsonElement root) => [.. root.GetProperty("variables").GetProperty("apps").EnumerateArray()];

    private static JsonElement FunctionAppDeployment(JsonElement root) => Deployment(Template(Deployment(root, "services")), "function-app");

    /// <summary>What each app's code needs in Azure, derived from the code's own tables.</summary>
    private static IEnumerable<(string Scope, string Role)> ExpectedRoles(string app)
    {
        // The Functions host (and the Flex deployment package) in the app's own storage account.
        yield return ("storage", "Storage Blob Data Owner");
        if (DurableApps.Contains(app))
        {
            yield return ("storage", "Storage Queue Data Contributor");
            yield return ("storage", "Storage Table Data Contributor");
        }

        yield return ("appConfiguration", "App Configuration Data Reader");
        yield return ("applicationInsights", "Monitoring Metrics Publisher");
        foreach (var (topic, subscribers) in BusTopology.Defaults)
        {
            if (topic == app)
            {
                yield return ($"topic:{topic}", "Azure Service Bus Data Sender");
            }

            if (subscribers.Contains(app))
            {
                yield return ($"subscription:{topic}/{app}", "Azure Service Bus Data Receiver");
            }
        }

        if (AzureSettings.ServiceClients.Contains(app))
        {
            yield return ($"secret:client-{app}", "Key Vault Secrets User");
        }

        if (app == "identity")
        {
            yield return ("key:token-signing", "Key Vault Crypto User");
            foreach (var user in DemoUsers)
            {
                yield return ($"secret:user-{user}", "Key Vault Secrets User");
            }

            foreach (var client in AzureSettings.ServiceClients)
            {
                yield return ($"secret:client-{client}", "Key Vault Secrets User");
            }
        }
    }

    private static async Task<(string Json, JsonElement Root)> CompileAsync()
    {
        var result = await RunBicepAsync("build", MainBicep, "--stdout");
        Assert.True(result.ExitCode == 0, result.StandardError);
        return (result.StandardOutput, JsonDocument.Parse(result.StandardOutput).RootElement);
    }

    private static void AssertNoDiagnostics(BicepResult result)
    {
        var diagnostics = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.Contains("Warning", StringComparison.OrdinalIgnoreCase) || line.Contains("Error", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.True(diagnostics.Count == 0, string.Join('\n', diagnostics));
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
