using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Serverless.IntegrationTests.Skipping;

/// <summary>Discovers a <see cref="ContractFactAttribute"/> test as a plain fact, or as a skipped one when its class's environment is missing.</summary>
public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var skip = factAttribute.GetNamedArgument<string>(nameof(FactAttribute.Skip))
            ?? (testMethod.TestClass.Class as IReflectionTypeInfo)?.Type.GetCustomAttribute<RequiresEnvironmentAttribute>()?.SkipReason();
        return skip is null
            ? [new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)]
            : [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, skip)];
    }
}
