import { Pool, PoolClient } from "pg";

const pool = new Pool({ max: 10 });

// Perfect try/finally, but every pool.query may run on another pooled session.
export async function rebuild(key: number): Promise<void> {
  const { rows } = await pool.query("SELECT pg_try_advisory_lock($1) AS locked", [key]); // expect: LW109
  if (!rows[0].locked) return;
  try {
    await refresh();
  } finally {
    const res = await pool.query("SELECT pg_advisory_unlock($1) AS released", [key]); // expect: LW109
    if (!res.rows[0].released) throw new Error(`lock ${key} was not held`);
  }
}

// A pinned client takes the lock; the unlock goes through the pool.
export async function publish(key: number): Promise<void> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query("SELECT pg_try_advisory_lock($1) AS locked", [key]);
    if (!rows[0].locked) return;
    try {
      await refresh();
    } finally {
      const res = await pool.query("SELECT pg_advisory_unlock($1) AS released", [key]); // expect: LW109
      if (!res.rows[0].released) throw new Error(`lock ${key} was not held`);
    }
  } finally {
    client.release();
  }
}

// A leader tick on one client: each tick stacks another hold of the same session lock.
export function lead(client: PoolClient): void {
  setInterval(async () => {
    const { rows } = await client.query("SELECT pg_try_advisory_lock(7) AS leader"); // expect: LW101, LW111
    if (rows[0].leader) await refresh();
  }, 5000);
}

// The try-lock result is never read; the unlock's failure is swallowed.
export async function claim(client: PoolClient, key: number): Promise<void> {
  await client.query("SELECT pg_try_advisory_lock($1)", [key]); // expect: LW110
  try {
    await refresh();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [key]).catch(() => {}); // expect: LW113
  }
}

// The function name is assembled: still a blocking session lock with no release on error.
const lockFn = ["pg", "advisory", "lock"].join("_");
export async function assemble(client: PoolClient, key: number): Promise<void> {
  await client.query(`SELECT ${lockFn}($1)`, [key]); // expect: LW101, LW104
  await refresh();
}

async function refresh(): Promise<void> {}
