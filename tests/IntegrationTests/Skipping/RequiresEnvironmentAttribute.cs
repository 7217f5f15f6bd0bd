namespace Serverless.IntegrationTests.Skipping;

/// <summary>
/// On a test class: its <see cref="ContractFactAttribute"/> tests are reported SKIPPED with
/// <see cref="Reason"/> unless one of <see cref="Variables"/> is set in the environment. For a
/// contract suite whose base class holds the tests and only some adapters can run everywhere.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequiresEnvironmentAttribute(string reason, params string[] variables) : Attribute
{
    public string Reason { get; } = reason;

    public IReadOnlyList<string> Variables { get; } = variables;

    /// <summary>Null when one of the variables is set; else the reason to skip.</summary>
    public string? SkipReason() =>
        Variables.Any(v => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(v))) ? null : Reason;
}
