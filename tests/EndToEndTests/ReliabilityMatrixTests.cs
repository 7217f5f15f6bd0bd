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

/// <summary>The matrix's SQLite rows share one lab: its systems start once for the crash, fault and security rows.</summary>
[CollectionDefinition(Name)]
public sealed class MatrixCollection : ICollectionFixture<SqliteLabFixture>
{
    public const string Name = "matrix-sqlite";
}

/// <summary>
/// The reliability matrix (tests/Reliability) as tests: every crash row in SQLite mode; in Cosmos mode
/// the row that loses the most (20 sagas mid-flight) — the
/// runner (<c>dotnet run --project tests/Reliability</c>) runs every row in both modes.
/// (Cosmos mode's other crash rows are left to the runner to keep the suite under 20 minutes.)
/// </summary>
[Collection(MatrixCollection.Name)]
public sealed class ReliabilityMatrixTests(SqliteLabFixture sqlite)
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
    public async Task Crash_OfTheWholeProcessGroup_LosesNothing_Cosmos(string row) =>
        Assert.NotEmpty(await Matrix.Named(row).RunAsync(cosmos.Lab));
}
