using Serverless.Reliability.Scenarios;

namespace Serverless.EndToEndTests;

/// <summary>
/// The security rows of the reliability matrix (tests/Reliability, <see cref="SecurityScenarios"/>) as
/// tests, in SQLite mode, on one shared lab: forged tokens, BOLA, mass assignment, role checks, the rate
/// limit (on a system of its own with a small limit), hostile JSON, injection-looking ids, secrets in logs
/// and error bodies, and the seeded fuzz of 1,000 malformed requests.
/// </summary>
[Collection(MatrixCollection.Name)]
public sealed class SecurityMatrixTests(SqliteLabFixture sqlite)
{
    public static TheoryData<string> SecurityRows => [.. SecurityScenarios.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(SecurityRows))]
    public async Task Attack_ThroughTheGateway_IsRefusedAndChangesNothing_Sqlite(string row) =>
        Assert.NotEmpty(await Matrix.Named(row).RunAsync(sqlite.Lab));
}
