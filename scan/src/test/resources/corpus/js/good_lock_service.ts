import { Pool } from "pg";

export class LockService {
  constructor(private readonly pool: Pool) {}

  async withLock<T>(key: number, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(`SET lock_timeout = '5s'`);
      await client.query("SELECT pg_advisory_lock($1)", [key]);
      try {
        return await fn();
      } finally {
        const res = await client.query("SELECT pg_advisory_unlock($1) AS ok", [key]);
        if (!res.rows[0].ok) {
          throw new Error(`advisory lock ${key} was not held`);
        }
      }
    } finally {
      client.release();
    }
  }

  private readonly pattern = /["'`]/g; // a regex literal with quotes must not derail the tokenizer
}
