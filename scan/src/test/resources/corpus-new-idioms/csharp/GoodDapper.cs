using Dapper;
using Npgsql;

public sealed class GoodReportJob
{
    private readonly NpgsqlDataSource _dataSource;

    public GoodReportJob(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
    }

    // One opened connection for lock, work and checked unlock.
    public async Task<bool> RunAsync(long key)
    {
        await using var conn = await _dataSource.OpenConnectionAsync();
        var got = await conn.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key });
        if (!got) return false;
        try
        {
            await RenderAsync(conn);
        }
        finally
        {
            var released = await conn.ExecuteScalarAsync<bool>("SELECT pg_advisory_unlock(@key)", new { key });
            if (!released) throw new InvalidOperationException($"lock {key} was not held");
        }
        return true;
    }

    private Task RenderAsync(NpgsqlConnection conn) => Task.CompletedTask;
}
