import { Pool, PoolClient } from "pg";

const pool = new Pool({ max: 10 });

// One pinned client for lock, work and unlock; the unlock's result is checked.
export async function rebuild(key: number): Promise<void> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query("SELECT pg_try_advisory_lock($1) AS locked", [key]);
    if (!rows[0].locked) return;
    try {
      await refresh(client);
    } finally {
      const res = await client.query("SELECT pg_advisory_unlock($1) AS released", [key]);
      if (!res.rows[0].released) throw new Error(`lock ${key} was not held`);
    }
  } finally {
    client.release();
  }
}

// Hands the locked client to the caller, who unlocks and releases it.
export async function lockedClient(key: number): Promise<PoolClient> {
  const client = await pool.connect();
  await client.query("SET lock_timeout = '5s'");
  await client.query("SELECT pg_advisory_lock($1)", [key]);
  return client;
}

// Transaction-level lock on a pinned client inside BEGIN ... COMMIT.
export async function settle(account: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query("SELECT pg_try_advisory_xact_lock($1) AS locked", [account]);
    if (rows[0].locked) await refresh(client);
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}

async function refresh(client: PoolClient): Promise<void> {}
