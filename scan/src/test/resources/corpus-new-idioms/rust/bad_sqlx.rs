use sqlx::PgPool;

const KEY: i64 = 4242;

// Every query on &PgPool runs on whichever pooled connection is free.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SET lock_timeout = '5s'").execute(pool).await?;
    sqlx::query("SELECT pg_advisory_lock($1)").bind(KEY).execute(pool).await?; // expect: LW101, LW109
    run_migrations(pool).await?;
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(KEY).execute(pool).await?; // expect: LW105, LW109
    Ok(())
}

// A pinned connection, but the try-lock's result is thrown away by execute().
pub async fn claim(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_try_advisory_lock($1)").bind(KEY).execute(&mut *conn).await?; // expect: LW101, LW110
    run_migrations(pool).await?;
    Ok(())
}

async fn run_migrations(pool: &PgPool) -> Result<(), sqlx::Error> {
    Ok(())
}
