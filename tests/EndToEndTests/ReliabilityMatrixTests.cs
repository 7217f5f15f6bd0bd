using Serverless.Reliability.Scenarios;

namespace Serverless.EndToEndTests;

/// <summary>One storage mode's systems for the matrix rows (started on first use, shared by the rows).</summary>
public abstract class LabFixture(string storage) : IAsyncLifetime
{
    public Lab Lab { get; } = new(storage);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Lab.DisposeAsync().AsTask();
}

public sealed class SqliteLabFixture() : LabFixture("sqlite");

public sealed class CosmosLabFixture() : LabFixture("cosmos");

/// <summary>
/// The reliability matrix (tests/Reliability) as tests: every crash row in SQLite mode; in Cosmos mode
/// the two rows that lose the most (sagas mid-flight, bus messages after the relay's checkpoint) — the
/// runner (<c>dotnet run --project tests/Reliability</c>) runs every row in both modes.
/// </summary>
public sealed class ReliabilityMatrixTests(SqliteLabFixture sqlite) : IClassFixture<SqliteLabFixture>
{
    public static TheoryData<string> CrashRows => [.. CrashScenarios.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(CrashRows))]
    public async Task Crash_OfTheWholeProcessGroup_LosesNothing_Sqlite(string row) =>
        Assert.NotEmpty(await Matrix.Named(row).RunAsync(sqlite.Lab));
}

public sealed class CosmosReliabilityMatrixTests(CosmosLabFixture cosmos) : IClassFixture<CosmosLabFixture>
{
    [Theory]
    [InlineData("20 sagas mid-flight")]
    [InlineData("between the outbox write and its relay")]
    public async Task Crash_OfTheWholeProcessGroup_LosesNothing_Cosmos(string row) =>
        Assert.NotEmpty(await Matrix.Named(row).RunAsync(cosmos.Lab));
}
