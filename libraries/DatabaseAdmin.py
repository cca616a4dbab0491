"""Robot Framework library: disturbing the wallet's own database connections (destructive suite)."""

from __future__ import annotations

import time
from typing import Any

import psycopg2
from _support import safe_url, scrub, setting, setting_seconds
from psycopg2 import sql
from robot.api import logger
from robot.api.deco import keyword, library


@library(scope="GLOBAL", auto_keywords=False)
class DatabaseAdmin:
    """Acts on the backends of the wallet's own role `${WALLET_DB_ROLE}` through `${DATABASE_URL}` (a
    superuser DSN, never logged). Blast radius: the wallet's connections to the current database only.

    - `Terminate Wallet Database Connections`: `pg_terminate_backend` on every backend of the role (the
      wallet must reconnect by itself).
    - `Cut Wallet Database Access` / `Restore Wallet Database Access`: `ALTER ROLE ... NOLOGIN` plus
      termination, then `LOGIN` again (always restore in teardown), so `/health` can be seen `down`.
    """

    def _connect(self) -> Any:
        dsn = setting("DATABASE_URL")
        try:
            connection = psycopg2.connect(
                dsn, connect_timeout=10, application_name="wallet-tests-admin", options="-c statement_timeout=30000"
            )
        except psycopg2.Error as error:
            raise AssertionError(f"cannot connect to {safe_url(dsn)}: {scrub(str(error).strip())}") from None
        connection.autocommit = True
        return connection

    def _role(self) -> str:
        return setting("WALLET_DB_ROLE", "wallet_api")

    @keyword
    def terminate_wallet_database_connections(self) -> int:
        """Terminates every backend of `${WALLET_DB_ROLE}` on the current database; returns how many."""
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE usename = %s AND datname = current_database() AND pid <> pg_backend_pid()",
                    (self._role(),),
                )
                killed = int(cursor.fetchone()[0])
        finally:
            connection.close()
        logger.info(f"terminated {killed} backend(s) of role {self._role()}")
        return killed

    @keyword
    def wallet_database_connection_count(self) -> int:
        """Number of backends of `${WALLET_DB_ROLE}` on the current database."""
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND datname = current_database()",
                    (self._role(),),
                )
                return int(cursor.fetchone()[0])
        finally:
            connection.close()

    @keyword
    def cut_wallet_database_access(self, timeout: float | None = None) -> None:
        """`ALTER ROLE <WALLET_DB_ROLE> NOLOGIN` and terminates its backends until none is left (deadline
        `timeout`, default `${HEALTH_TIMEOUT}`). Pair with `Restore Wallet Database Access` in teardown."""
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(self._role())))
        finally:
            connection.close()
        deadline = time.monotonic() + (timeout or setting_seconds("HEALTH_TIMEOUT", 30.0))
        while self.terminate_wallet_database_connections() or self.wallet_database_connection_count():
            if time.monotonic() >= deadline:
                raise AssertionError(f"role {self._role()} still has connections after the deadline")
            time.sleep(0.2)

    @keyword
    def restore_wallet_database_access(self) -> None:
        """`ALTER ROLE <WALLET_DB_ROLE> LOGIN` (safe to call when nothing was cut)."""
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(self._role())))
        finally:
            connection.close()
