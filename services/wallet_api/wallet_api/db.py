"""PostgreSQL access: connection pool, retrying transactions and schema migrations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from .errors import ApiError
from .logs import log_fields

log = logging.getLogger("wallet_api.db")

T = TypeVar("T")
Conn = psycopg.AsyncConnection

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Arbitrary constant shared by every instance: serializes migrations across concurrent starts.
MIGRATION_LOCK_ID = 7_412_093_661


def is_retryable(exc: BaseException) -> bool:
    """A connection-level failure (killed backend, reset socket, server restart).

    Client-side connection errors carry no SQLSTATE; the server reports 57P01-57P03 (admin/crash
    shutdown, cannot connect now) and class 08 (connection exception). Lock or statement timeouts are
    not retried: a second wait would only double the latency.
    """
    if not isinstance(exc, psycopg.OperationalError) or isinstance(exc, PoolTimeout):
        return False
    state = exc.sqlstate
    return state is None or state in {"57P01", "57P02", "57P03"} or state.startswith("08")


class Database:
    """Owns the pool. ``transaction`` runs a unit of work atomically and survives killed connections.

    Broken connections are detected on first use rather than by a check at every checkout: psycopg_pool's
    ``check=`` callback sleeps 1 s, 2 s, 4 s... between successive dead connections, so after all backends
    are killed (``pg_terminate_backend``) the first requests would time out. Instead, the first
    connection-level error purges every idle connection (``pool.check()``) and the unit is retried on a
    fresh connection, as long as COMMIT had not been sent (so nothing was committed).
    """

    MAX_ATTEMPTS = 3

    def __init__(self, dsn: str, *, min_size: int, max_size: int, timeout_s: float) -> None:
        self.dsn = dsn
        self.pool = AsyncConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout_s,
            max_waiting=200,
            open=False,
            kwargs={"autocommit": True, "row_factory": dict_row, "application_name": "wallet_api"},
            configure=self._configure,
            name="wallet_api",
        )
        self._purging: asyncio.Task[None] | None = None

    @staticmethod
    async def _configure(conn: Conn) -> None:
        # Bound every statement and lock wait so a stuck query cannot hold a pool slot forever.
        await conn.execute("SET statement_timeout = '15s'")
        await conn.execute("SET lock_timeout = '10s'")
        await conn.execute("SET idle_in_transaction_session_timeout = '60s'")

    async def open(self) -> None:
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close(timeout=5)

    async def _purge_broken(self) -> None:
        """Test every idle connection and replace the dead ones (one purge at a time, shared)."""
        if self._purging is None or self._purging.done():
            self._purging = asyncio.create_task(self.pool.check())
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self._purging), 5)

    async def transaction(self, work: Callable[[Conn], Awaitable[T]], *, retry: bool = True) -> T:
        """Run ``work(conn)`` inside BEGIN/COMMIT.

        If the connection breaks before COMMIT was sent, nothing was committed, so the unit is retried
        on a fresh connection. A failure during COMMIT is never retried (its outcome is unknown).
        """
        attempt = 0
        while True:
            attempt += 1
            work_done = False
            try:
                async with self.pool.connection() as conn, conn.transaction():
                    result = await work(conn)
                    work_done = True
                return result
            except PoolTimeout as exc:
                raise ApiError(503, "SERVICE_UNAVAILABLE", "The service is busy; retry shortly.") from exc
            except psycopg.OperationalError as exc:
                if not is_retryable(exc):
                    raise
                await self._purge_broken()
                if not retry or work_done or attempt >= self.MAX_ATTEMPTS:
                    raise
                log_fields(log, logging.WARNING, "database connection lost; retrying", error=type(exc).__name__)

    async def ping(self, timeout_s: float) -> bool:
        async def select_one(conn: Conn) -> None:
            await conn.execute("SELECT 1")

        try:
            async with asyncio.timeout(timeout_s):
                await self.transaction(select_one)
            return True
        except Exception:
            return False


async def wait_for_database(dsn: str, deadline_s: float) -> None:
    """Block until PostgreSQL accepts a connection or the deadline passes (raises the last error)."""
    start = time.monotonic()
    delay = 0.2
    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(dsn, connect_timeout=5)
            await conn.close()
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() - start > deadline_s:
                raise
            log_fields(log, logging.WARNING, "database not reachable yet; retrying", error=type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every ``NNN_*.sql`` not yet recorded in schema_migrations, in name order.

    A session-level advisory lock makes concurrent starts of several instances safe: the second
    waits, then finds everything applied. Each file runs in its own transaction.
    """
    files = sorted(p for p in directory.glob("[0-9][0-9][0-9]_*.sql") if p.is_file())
    applied_now: list[str] = []
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True, connect_timeout=10) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_ID,))
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cur = await conn.execute("SELECT version FROM schema_migrations")
            done = {row[0] for row in await cur.fetchall()}
            for path in files:
                version = path.stem
                if version in done:
                    continue
                sql = path.read_text(encoding="utf-8")
                async with conn.transaction():
                    await conn.execute(sql.encode())
                    await conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                applied_now.append(version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_ID,))
    return applied_now
