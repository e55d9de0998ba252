"""Row locks held from another connection, for the concurrency tests: hold a row, let requests
queue behind it in threads, see them waiting, release."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


def _dsn() -> str:
    s = connection.settings_dict
    return (
        f"dbname={s['NAME']} user={s['USER']} password={s['PASSWORD']} "
        f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432}"
    )


@contextmanager
def row_locked(table: str, row_id: int) -> Iterator[psycopg.Connection]:
    """Hold a FOR UPDATE lock on one row in another connection until the block ends."""
    with psycopg.connect(_dsn()) as blocker:
        blocker.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [row_id])
        yield blocker
        blocker.rollback()


def wait_for_blocked(blocker: psycopg.Connection, count: int, timeout: float = 15.0) -> None:
    """Return once `count` sessions of this database wait on a lock; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    waiting = 0
    while time.monotonic() < deadline:
        # Statistics views are snapshotted once per transaction: drop the snapshot each time.
        blocker.execute("SELECT pg_stat_clear_snapshot()")
        waiting = blocker.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        if waiting >= count:
            return
        time.sleep(0.02)
    rows = blocker.execute(
        "SELECT state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity "
        "WHERE datname = current_database()"
    ).fetchall()
    raise AssertionError(f"expected {count} requests waiting on a lock, saw {waiting}: {rows}")
