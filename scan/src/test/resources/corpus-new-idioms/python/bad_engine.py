"""Jobs that take advisory locks through an SQLAlchemy engine and a psycopg cursor."""
from sqlalchemy import create_engine, func, select, text

engine = create_engine("postgresql+psycopg://app@db/app")


def rebuild(key):
    # each engine.execute borrows whichever pooled connection is free
    engine.execute(text("SET lock_timeout = '5s'"))
    engine.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})  # expect: LW109
    try:
        refresh()
    finally:
        engine.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})  # expect: LW109


def claim(conn, key):
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))  # expect: LW101, LW110
        refresh()


def claim_orm(conn, key):
    conn.execute(select(func.pg_try_advisory_lock(key)))  # expect: LW101, LW110
    refresh()


def sweep(conn, key):
    with conn.cursor() as cur:
        cur.execute("SET lock_timeout = '5s'")
        cur.execute("SELECT pg_advisory_{}(%s)".format("lock"), (key,))
        try:
            refresh()
        finally:
            try:
                cur.execute("SELECT pg_advisory_unlock(%s)", (key,))  # expect: LW113
            except Exception:
                pass


def poll(conn, key):
    with conn.cursor() as cur:
        while True:
            cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))  # expect: LW101, LW111
            if cur.fetchone()[0]:
                refresh()
            sleep_a_while()


def settle(conn, account):
    with conn.transaction():
        with conn.cursor() as cur:
            cur.execute("SET LOCAL lock_timeout = '5s'")
            cur.execute("SELECT pg_advisory_lock(%s)", (account,))  # expect: LW102
            try:
                refresh()
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s)", (account,))  # expect: LW113


def refresh():
    pass


def sleep_a_while():
    pass
