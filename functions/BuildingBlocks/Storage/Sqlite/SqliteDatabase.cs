using Dapper;
using Microsoft.Data.Sqlite;

namespace Serverless.BuildingBlocks.Storage.Sqlite;

/// <summary>
/// One SQLite file per service (database per service, local mode). WAL journaling keeps every
/// committed transaction across a process crash; writers serialize with BEGIN IMMEDIATE.
/// </summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;

    // One writer at a time per database in this process: SQLite serializes writers anyway, and waiting
    // here is far cheaper than SQLITE_BUSY retries. Readers are not blocked (WAL).
    private readonly SemaphoreSlim _writer = new(1, 1);

    public SqliteDatabase(string path, string schema)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        FilePath = path;

        using var connection = Open();
        connection.Execute("PRAGMA journal_mode=WAL;");
        connection.Execute(schema);
    }

    public string FilePath { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        connection.Execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction (BEGIN IMMEDIATE) and commits it.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work)
    {
        await _writer.WaitAsync();
        try
        {
            await using var connection = Open();
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(connection, transaction);
            await transaction.CommitAsync();
            return result;
        }
        finally
        {
            _writer.Release();
        }
    }
}
