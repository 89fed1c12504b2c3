"""Lock primitives for a job runner; callers pair try_job_lock with release_job_lock in finally."""
from sqlalchemy import text


def try_job_lock(engine, job_key: int) -> bool:
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": job_key}).scalar()
    return bool(got)


def release_job_lock(engine, job_key: int) -> None:
    with engine.connect() as conn:
        released = conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": job_key}).scalar()
    if not released:
        raise RuntimeError(f"job lock {job_key} was not held")
