"""Outages of the wallet's own dependencies, and the broker topology (destructive suites run them serially)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

import psycopg2
import requests
from psycopg2 import sql
from robot.api.deco import keyword

from .. import matcher
from ..context import STATEMENT_TIMEOUT
from . import LibraryComponent

FULL_PERMISSIONS = {"configure": ".*", "write": ".*", "read": ".*"}
POLL_S = 0.2
EXCHANGES = (("wallet.events", "topic"), ("wallet.commands", "topic"), ("wallet.commands.dlx", "fanout"))
BINDINGS = (("wallet.commands", "wallet.commands", "#"), ("wallet.commands.dlx", "wallet.commands.dlq", None))


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

    def _wallet_connections(self) -> list[dict]:
        user, vhost = self.ctx.setting("WALLET_AMQP_USER"), self.ctx.setting("RABBITMQ_VHOST")
        return [
            c
            for c in self._management("GET", "/api/connections") or []
            if c.get("user") == user and c.get("vhost") == vhost
        ]

    def _until(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.ctx.health_timeout
        while not done():
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what} within {self.ctx.health_timeout} s")
            time.sleep(POLL_S)

    @keyword("Cut The Wallet Off The Broker")
    def cut_the_wallet_off_the_broker(self) -> None:
        """Saves and clears the wallet user's permissions on the vhost, then closes its connections until the
        wallet itself reports the broker down on `/health` (deadline `${HEALTH_TIMEOUT}`). The management API
        lists a new connection only after its next statistics round: closing what it lists is not enough.

        | Cut The Wallet Off The Broker |
        """
        current = self._management("GET", self._permissions_path(), expected=(200, 404))
        if self._saved_permissions is None:
            self._saved_permissions = {k: current[k] for k in FULL_PERMISSIONS} if current else dict(FULL_PERMISSIONS)
        self._management("DELETE", self._permissions_path(), expected=(204, 404))

        def cut() -> bool:
            for connection in self._wallet_connections():
                self._management(
                    "DELETE", f"/api/connections/{quote(connection['name'], safe='')}", expected=(204, 404)
                )
            body = self.library.request_health().json
            return isinstance(body, dict) and (body.get("checks") or {}).get("broker") == "down"

        self._until(cut, "the wallet still reports its broker up")

    @keyword("Reconnect The Wallet To The Broker")
    def reconnect_the_wallet_to_the_broker(self) -> None:
        """Restores the permissions saved by `Cut The Wallet Off The Broker` (full ones if none were saved)
        and waits (deadline `${HEALTH_TIMEOUT}`) until the wallet is connected again. Safe to call when
        nothing was cut (teardown).

        | [Teardown] | Reconnect The Wallet To The Broker |
        """
        self._management(
            "PUT", self._permissions_path(), self._saved_permissions or dict(FULL_PERMISSIONS), expected=(201, 204)
        )
        self._saved_permissions = None
        self._until(lambda: bool(self._wallet_connections()), "the wallet did not reconnect to the broker")

    @keyword("Wallet Topology Should Be Declared On The Broker")
    def wallet_topology_should_be_declared_on_the_broker(self) -> None:
        """Contract section 7 on the vhost: durable topic exchanges `wallet.events` and `wallet.commands`,
        durable fanout `wallet.commands.dlx`, durable queues `wallet.commands` (dead-lettering to the dlx,
        by argument or policy) and `wallet.commands.dlq`, and their bindings.

        | Wallet Topology Should Be Declared On The Broker |
        """
        vhost, problems = self._vhost(), []
        for name, kind in EXCHANGES:
            exchange = self._management("GET", f"/api/exchanges/{vhost}/{quote(name, safe='')}", expected=(200, 404))
            if exchange is None:
                problems.append(f"exchange {name} is missing")
            elif exchange.get("type") != kind or not exchange.get("durable"):
                problems.append(
                    f"exchange {name}: expected durable {kind}, "
                    f"got durable={exchange.get('durable')} type={exchange.get('type')}"
                )
        for name in ("wallet.commands", "wallet.commands.dlq"):
            queue = self._management("GET", f"/api/queues/{vhost}/{quote(name, safe='')}", expected=(200, 404))
            if queue is None:
                problems.append(f"queue {name} is missing")
                continue
            if not queue.get("durable"):
                problems.append(f"queue {name} is not durable")
            policy = queue.get("effective_policy_definition") or {}
            dlx = (queue.get("arguments") or {}).get("x-dead-letter-exchange") or policy.get("dead-letter-exchange")
            if name == "wallet.commands" and dlx != "wallet.commands.dlx":
                problems.append(f"queue wallet.commands dead-letters to {dlx!r}, expected 'wallet.commands.dlx'")
        bindings = self._management("GET", f"/api/bindings/{vhost}") or []
        for source, destination, key in BINDINGS:
            if not any(
                b.get("source") == source
                and b.get("destination") == destination
                and b.get("destination_type") == "queue"
                and (key is None or b.get("routing_key") == key)
                for b in bindings
            ):
                problems.append(f"no binding {source} -> {destination}" + (f" with {key!r}" if key else ""))
        if problems:
            raise AssertionError("Broker topology differs from the contract:\n" + matcher.bullet_list(problems))

    # ------------------------------------------------------------------ the wallet's database role

    def _admin(self, statement: Any, parameters: tuple = ()) -> Any:
        dsn = self.ctx.setting("DATABASE_URL")
        try:
            connection = psycopg2.connect(
                dsn, connect_timeout=10, application_name="wallet-tests-admin", options=STATEMENT_TIMEOUT
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
