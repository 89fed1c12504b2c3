// SELECT pg_advisory_lock(1) in a comment is not code
/* neither is pg_advisory_lock(2) here */
export async function rebuild(client, key) {
  await client.query("SET lock_timeout = '5s'");
  await client.query("SELECT pg_advisory_lock($1)", [key]);
  try {
    await refresh(client);
  } finally {
    const { rows } = await client.query("SELECT pg_advisory_unlock($1) AS released", [key]);
    if (!rows[0].released) throw new Error(`advisory lock ${key} was not held`);
  }
}

export async function settle(knex, account) {
  await knex.transaction(async (trx) => {
    const { rows } = await trx.raw("SELECT pg_try_advisory_xact_lock(?) AS locked", [account]);
    if (!rows[0].locked) return;
  });
}

async function refresh(client) {}
