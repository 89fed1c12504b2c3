from contextlib import contextmanager


@contextmanager
def advisory_lock(conn, key):
    with conn.cursor() as cur:
        cur.execute("SET lock_timeout = '5s'")
        cur.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            cur.execute("SELECT pg_advisory_unlock(%s)", (key,))
            if not cur.fetchone()[0]:
                raise RuntimeError(f"advisory lock {key} was not held")


def rebuild(conn, key):
    with advisory_lock(conn, key):
        refresh(conn)


class AdvisoryLock:
    def __init__(self, conn, key):
        self.conn, self.key = conn, key

    def __enter__(self):
        if not self.conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]:
            raise RuntimeError(f"advisory lock {self.key} is held elsewhere")
        return self

    def __exit__(self, *exc):
        self.conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))


def refresh(conn):
    pass
