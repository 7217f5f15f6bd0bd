using Xunit.Sdk;

namespace Serverless.IntegrationTests.Skipping;

/// <summary>
/// A <see cref="FactAttribute"/> for a contract suite's tests: run for each derived test class, but
/// SKIPPED (never silently passed) in a class whose <see cref="RequiresEnvironmentAttribute"/> is not met.
/// xunit 2 has no runtime skip, so the discoverer decides per class (<see cref="ContractFactDiscoverer"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("Serverless.IntegrationTests.Skipping.ContractFactDiscoverer", "IntegrationTests")]
public sealed class ContractFactAttribute : FactAttribute;
