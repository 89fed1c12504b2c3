use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

/// The lock lives on one pooled connection that this guard keeps until unlock.
pub struct MigrationLock {
    conn: PoolConnection<Postgres>,
    key: i64,
}

impl MigrationLock {
    pub async fn lock(pool: &PgPool, key: i64) -> Result<Option<MigrationLock>, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
        if !locked {
            return Ok(None);
        }
        Ok(Some(MigrationLock { conn, key }))
    }

    pub async fn unlock(mut self) -> Result<(), sqlx::Error> {
        let released: bool = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
            .bind(self.key)
            .fetch_one(&mut *self.conn)
            .await?;
        if !released {
            panic!("advisory lock {} was not held", self.key);
        }
        Ok(())
    }
}
