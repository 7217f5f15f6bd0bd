using Serverless.Reliability.Scenarios;
using Xunit.Abstractions;

namespace Serverless.EndToEndTests;

/// <summary>
/// The fault rows of the reliability matrix (tests/Reliability, <see cref="FaultScenarios"/>) as tests, in
/// SQLite mode: a participant down past the saga deadline, a slow one, duplicate starts, the bus down for
/// 60 s, redelivery, poison and unreadable messages, concurrent writers, oversold stock, an unreadable
/// config store. Each row ends with the books checked.
/// </summary>
[Collection(MatrixCollection.Name)]
public sealed class FaultMatrixTests(SqliteLabFixture sqlite, ITestOutputHelper output)
{
    public static TheoryData<string> FaultRows => [.. FaultScenarios.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(FaultRows))]
    public async Task Fault_WhileTheSystemRuns_LosesNothingAndDoesNothingTwice_Sqlite(string row)
    {
        var detail = await Matrix.Named(row).RunAsync(sqlite.Lab);
        output.WriteLine(detail); // what the row saw (e.g. another row's dead letters in the shared lab), in the test's output
        Assert.NotEmpty(detail);
    }
}
