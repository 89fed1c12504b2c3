import asyncpg
from django.db import connection, transaction


async def with_lock(pool: asyncpg.Pool, key: int, work):
    async with pool.acquire() as conn:
        await conn.execute("SET lock_timeout = '5s'")
        await conn.execute("SELECT pg_advisory_lock($1)", key)
        try:
            return await work(conn)
        finally:
            released = await conn.fetchval("SELECT pg_advisory_unlock($1)", key)
            if not released:
                raise RuntimeError(f"advisory lock {key} was not held")


def settle(account_id):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [account_id])
