"""Outages of the wallet's own dependencies (destructive suites run them serially), and the broker topology."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

import psycopg2
import requests
from psycopg2 import sql
from robot.api.deco import keyword

from .. import matcher
from ..context import STATEMENT_TIMEOUT
from ..topology import topology_problems
from . import LibraryComponent

FULL_PERMISSIONS = {"configure": ".*", "write": ".*", "read": ".*"}
POLL_S = 0.2


class OutageKeywords(LibraryComponent):
    """Outages. Blast radius: the wallet's own RabbitMQ user `${WALLET_AMQP_USER}` (permissions cleared on
    `${RABBITMQ_VHOST}` and its connections closed, through the management API at
    `${RABBITMQ_MANAGEMENT_URL}`) and its own database role `${WALLET_DB_ROLE}` (`NOLOGIN` and its backends
    terminated, through `${DATABASE_URL}`). The tests' own connections are untouched. Always restore in the
    test teardown (`Reconnect The Wallet To ...`)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._session = requests.Session()
        self._session.trust_env = False
        self._saved_permissions: dict[str, Any] | None = None

    # ------------------------------------------------------------------ RabbitMQ management API

    def _management(self, method: str, path: str, payload: Any = None, expected: tuple[int, ...] = (200,)) -> Any:
        url = self.ctx.setting("RABBITMQ_MANAGEMENT_URL").rstrip("/") + path
        auth = (self.ctx.setting("RABBITMQ_MANAGEMENT_USER"), self.ctx.setting("RABBITMQ_MANAGEMENT_PASSWORD"))
        try:
            answer = self._session.request(method, url, json=payload, auth=auth, timeout=self.ctx.http_timeout)
        except requests.RequestException as error:
            raise AssertionError(
                f"RabbitMQ management {method} {path} got no answer within {self.ctx.http_timeout} s: "
                f"{error.__class__.__name__} (is the management plugin enabled?)"
            ) from None
        self.ctx.info(f"RabbitMQ management {method} {path} -> {answer.status_code}")
        if answer.status_code not in expected:
            raise AssertionError(
                f"RabbitMQ management {method} {path}: expected {expected}, "
                f"got {answer.status_code} {answer.text[:300]}"
            )
        return answer.json() if answer.content and answer.status_code == 200 else None

    def _vhost(self) -> str:
        return quote(self.ctx.setting("RABBITMQ_VHOST"), safe="")

    def _permissions_path(self) -> str:
        return f"/api/permissions/{self._vhost()}/{quote(self.ctx.setting('WALLET_AMQP_USER'), safe='')}"

    def _until(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.ctx.health_timeout
        while not done():
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what} within {self.ctx.health_timeout} s")
            time.sleep(POLL_S)

    @keyword("Cut The Wallet Off The Broker")
    def cut_the_wallet_off_the_broker(self) -> None:
        """Saves and clears the wallet user's permissions on the vhost, then closes every connection of that
        user (`DELETE /api/connections/username/<user>`, which sees a connection at once, unlike the listing
        that waits for the next statistics round) until the wallet itself reports the broker down on `/health`
        (deadline `${HEALTH_TIMEOUT}`).

        | Cut The Wallet Off The Broker |
        """
        current = self._management("GET", self._permissions_path(), expected=(200, 404))
        if self._saved_permissions is None:
            self._saved_permissions = {k: current[k] for k in FULL_PERMISSIONS} if current else dict(FULL_PERMISSIONS)
        self._management("DELETE", self._permissions_path(), expected=(204, 404))

        user = quote(self.ctx.setting("WALLET_AMQP_USER"), safe="")

        def cut() -> bool:
            self._management("DELETE", f"/api/connections/username/{user}", expected=(204, 404))
            return self._broker_check() == "down"

        self._until(cut, "the wallet still reports its broker up")

    def _broker_check(self) -> object:
        """The `broker` check of the wallet's `/health` answer (contract, `GET /health`), None without one."""
        body = self.library.request_health().json
        return (body.get("checks") or {}).get("broker") if isinstance(body, dict) else None

    @keyword("Reconnect The Wallet To The Broker")
    def reconnect_the_wallet_to_the_broker(self) -> None:
        """Restores the permissions saved by `Cut The Wallet Off The Broker` (full ones if none were saved)
        and waits (deadline `${HEALTH_TIMEOUT}`) until the wallet reports its broker `ok` on `/health` again
        (the management API would list its new connection only after its next statistics round, up to 5 s
        later). Safe to call when nothing was cut (teardown).

        | [Teardown] | Reconnect The Wallet To The Broker |
        """
        self._management(
            "PUT", self._permissions_path(), self._saved_permissions or dict(FULL_PERMISSIONS), expected=(201, 204)
        )
        self._saved_permissions = None
        self._until(lambda: self._broker_check() == "ok", "the wallet did not report its broker ok again")

    @keyword("Wallet Topology Should Be Declared On The Broker")
    def wallet_topology_should_be_declared_on_the_broker(self) -> None:
        """Contract section 7 with the tests' AMQP login only (`topology.py`): durable topic exchanges
        `wallet.events` and `wallet.commands`, durable fanout `wallet.commands.dlx`, durable queues
        `wallet.commands` and `wallet.commands.dlq`; then, by behaviour, the bindings: an invalid command
        published to `wallet.commands` with a routing key only `#` routes (mandatory, confirmed) is rejected
        through `wallet.commands.dlx` into `wallet.commands.dlq` (dead-lettering by argument or policy).

        | Wallet Topology Should Be Declared On The Broker |
        """
        problems = topology_problems(self.ctx.setting("AMQP_URL"), f"wallet-integration-tests {self.ctx.run_id}")
        if problems:
            raise AssertionError("Broker topology differs from the contract:\n" + matcher.bullet_list(problems))
        probe = f"{self.ctx.run_id}-topology-{uuid.uuid4().hex[:8]}"
        self.broker.publish(b"topology probe: not JSON", probe, "", "application/json")
        self.library.command_should_land_in_dead_letter_queue(probe)

    # ------------------------------------------------------------------ the wallet's database role

    def _admin(self, statement: Any, parameters: tuple = ()) -> Any:
        dsn = self.ctx.setting("DATABASE_URL")
        try:
            connection = psycopg2.connect(
                dsn,
                connect_timeout=10,
                application_name=self.ctx.application_name("wallet-tests-admin"),
                options=STATEMENT_TIMEOUT,
            )
        except psycopg2.Error as error:
            raise AssertionError(
                f"cannot connect to {self.ctx.safe_url(dsn)}: {self.ctx.scrub(str(error).strip())}"
            ) from None
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, parameters)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()

    def _role(self) -> str:
        return self.ctx.setting("WALLET_DB_ROLE")

    @keyword("Kill The Wallet Database Connections")
    def kill_the_wallet_database_connections(self) -> int:
        """Terminates every backend of the wallet's role on the current database (it must reconnect by
        itself); returns how many were killed.

        | ${killed} = | Kill The Wallet Database Connections |
        """
        row = self._admin(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE usename = %s AND datname = current_database() AND pid <> pg_backend_pid()",
            (self._role(),),
        )
        self.ctx.info(f"terminated {row[0]} backend(s) of role {self._role()}")
        return int(row[0])

    @keyword("Cut The Wallet Off The Database")
    def cut_the_wallet_off_the_database(self) -> None:
        """`ALTER ROLE <WALLET_DB_ROLE> NOLOGIN` and terminates its backends until none is left (deadline
        `${HEALTH_TIMEOUT}`). Pair with `Reconnect The Wallet To The Database` in teardown.

        | Cut The Wallet Off The Database |
        """
        self._admin(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(self._role())))
        count = "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND datname = current_database()"
        self._until(
            lambda: not self.kill_the_wallet_database_connections() and not self._admin(count, (self._role(),))[0],
            f"role {self._role()} still has connections",
        )

    @keyword("Reconnect The Wallet To The Database")
    def reconnect_the_wallet_to_the_database(self) -> None:
        """`ALTER ROLE <WALLET_DB_ROLE> LOGIN` (safe to call when nothing was cut; teardown).

        | [Teardown] | Reconnect The Wallet To The Database |
        """
        self._admin(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(self._role())))

    @keyword("Health Should Report Degraded Because Of")
    def health_should_report_degraded_because_of(self, check: Literal["database", "broker"]) -> dict:
        """Waits (deadline `${HEALTH_TIMEOUT}`) until `/health` reports `check` down, then fails unless that
        answer is `503` with `status` `degraded`, `check` `down` and the other check `ok`; returns the body.

        | Health Should Report Degraded Because Of | broker |
        """
        response = self.library.health_should_report(check, "down")
        response.expect(503)
        other = "broker" if check == "database" else "database"
        matcher.should_match(response.json, {"status": "degraded"}, "/health")
        matcher.should_match(response.json.get("checks"), {check: "down", other: "ok"}, "/health checks")
        return response.json
