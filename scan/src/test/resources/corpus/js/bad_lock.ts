import { Client } from "pg";

export async function rebuild(client: Client, key: number): Promise<void> {
  await client.query("SELECT pg_advisory_lock($1)", [key]); // expect: LW101, LW104
  await refresh(client);
  await client.query("SELECT pg_advisory_unlock($1)", [key]);
}

export async function settle(knex: any, account: number): Promise<void> {
  await knex.transaction(async (trx: any) => {
    await trx.raw(`SET LOCAL lock_timeout = '2s'`);
    await trx.raw(`SELECT pg_advisory_lock(${account})`); // expect: LW101, LW102
  });
}

async function refresh(client: Client): Promise<void> {}
