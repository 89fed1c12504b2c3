using Dapper;
using Npgsql;

public sealed class ReportJob
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _connectionString;

    public ReportJob(NpgsqlDataSource dataSource, string connectionString)
    {
        _dataSource = dataSource;
        _connectionString = connectionString;
    }

    // Commands created on the data source run on whichever pooled connection is free.
    public async Task RunAsync(long key)
    {
        await using var timeout = _dataSource.CreateCommand("SET lock_timeout = '5s'");
        await timeout.ExecuteNonQueryAsync();
        await using var lockCmd = _dataSource.CreateCommand("SELECT pg_advisory_lock(@key)"); // expect: LW109
        lockCmd.Parameters.AddWithValue("key", key);
        await lockCmd.ExecuteScalarAsync();
        try
        {
            await RenderAsync();
        }
        finally
        {
            await using var unlockCmd = _dataSource.CreateCommand("SELECT pg_advisory_unlock(@key)"); // expect: LW109
            unlockCmd.Parameters.AddWithValue("key", key);
            var released = (bool)(await unlockCmd.ExecuteScalarAsync())!;
            if (!released) throw new InvalidOperationException($"lock {key} was not held");
        }
    }

    // A new connection object per call: the unlock runs on another session than the lock.
    public void Publish(long key)
    {
        using (var first = new NpgsqlConnection(_connectionString))
        {
            first.Execute("SET lock_timeout = '5s'");
            first.ExecuteScalar<bool>("SELECT pg_try_advisory_lock(@key)", new { key }); // expect: LW110
        }
        try
        {
            Render();
        }
        finally
        {
            using var second = new NpgsqlConnection(_connectionString);
            second.Execute("SELECT pg_advisory_unlock(@key)", new { key }); // expect: LW105, LW109
        }
    }

    public async Task ClaimAsync(NpgsqlConnection conn, long key)
    {
        await conn.ExecuteAsync("SELECT pg_try_advisory_lock(@key)", new { key }); // expect: LW101, LW110
        await RenderAsync();
    }

    private Task RenderAsync() => Task.CompletedTask;
    private void Render() { }
}
