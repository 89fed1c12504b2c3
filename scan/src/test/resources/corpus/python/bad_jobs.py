"""Nightly jobs. The docstring mentions pg_advisory_lock(1) but is not code."""
import psycopg


def rebuild_search_index(conn, key):
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (key,))  # expect: LW101, LW104
        cur.execute("REFRESH MATERIALIZED VIEW search_index")
        cur.execute("SELECT pg_advisory_unlock(%s)", (key,))


def settle(conn):
    with conn.transaction():
        with conn.cursor() as cur:
            cur.execute("SET LOCAL lock_timeout = '5s'")
            cur.execute("SELECT pg_try_advisory_lock(42)")  # expect: LW101, LW102, LW110


def purge(conn):
    # cur.execute("SELECT pg_advisory_lock(1)")  -- commented out, never reported
    with conn.cursor() as cur:
        cur.execute("SET lock_timeout = '1s'")
        cur.execute("SELECT pg_try_advisory_xact_lock(918273645)")  # expect: LW106, LW110
