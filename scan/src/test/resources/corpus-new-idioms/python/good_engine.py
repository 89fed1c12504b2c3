"""The same jobs with one pinned connection per lock."""
from sqlalchemy import create_engine, text

engine = create_engine("postgresql+psycopg://app@db/app")


def rebuild(key):
    with engine.connect() as conn:
        conn.execute(text("SET lock_timeout = '5s'"))
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        try:
            refresh(conn)
        finally:
            released = conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key}).scalar()
            if not released:
                raise RuntimeError(f"advisory lock {key} was not held")


def claim(conn, key):
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
        if not cur.fetchone()[0]:
            return False
        try:
            refresh(conn)
        finally:
            cur.execute("SELECT pg_advisory_unlock(%s)", (key,))
            if not cur.fetchone()[0]:
                raise RuntimeError(f"advisory lock {key} was not held")
        return True


def refresh(conn):
    pass
