"""Robot Framework library: RabbitMQ management API (topology checks, cutting the wallet's broker access)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import requests
from _support import scrub, setting, setting_seconds
from robot.api import logger
from robot.api.deco import keyword, library

FULL_PERMISSIONS = {"configure": ".*", "write": ".*", "read": ".*"}


@library(scope="GLOBAL", auto_keywords=False)
class RabbitAdmin:
    """RabbitMQ management HTTP API at `${RABBITMQ_MANAGEMENT_URL}` (user `${RABBITMQ_MANAGEMENT_USER}`,
    password `${RABBITMQ_MANAGEMENT_PASSWORD}`, never logged), on vhost `${RABBITMQ_VHOST}`.

    For the destructive suite: `Cut Wallet Broker Access` clears the permissions of the wallet's own
    user `${WALLET_AMQP_USER}` on the vhost and closes its connections (blast radius: the wallet's
    connections only; the tests' own user is untouched); `Restore Wallet Broker Access` puts the
    saved permissions back (always call it in teardown). `Broker Topology Should Match The Contract`
    checks section 7's exchanges, queues and bindings.
    """

    def __init__(self) -> None:
        self._session = requests.Session()
        self._session.trust_env = False
        self._saved_permissions: dict[str, Any] | None = None

    def _vhost(self) -> str:
        return quote(setting("RABBITMQ_VHOST", "wallet_test"), safe="")

    def _user(self) -> str:
        return setting("WALLET_AMQP_USER", "wallet_api")

    def _call(self, method: str, path: str, payload: Any = None, expected: tuple[int, ...] = (200,)) -> Any:
        url = setting("RABBITMQ_MANAGEMENT_URL").rstrip("/") + path
        auth = (setting("RABBITMQ_MANAGEMENT_USER"), setting("RABBITMQ_MANAGEMENT_PASSWORD"))
        limit = setting_seconds("HTTP_TIMEOUT", 5.0)
        try:
            answer = self._session.request(
                method, url, json=payload, auth=auth, timeout=limit, headers={"X-Reason": "wallet integration test"}
            )
        except requests.RequestException as error:
            raise AssertionError(
                f"RabbitMQ management {method} {path} got no answer within {limit} s: {error.__class__.__name__} "
                "(is the management plugin enabled? rabbitmq-plugins enable rabbitmq_management)"
            ) from None
        logger.info(scrub(f"RabbitMQ management {method} {path} -> {answer.status_code}"))
        if answer.status_code not in expected:
            raise AssertionError(
                f"RabbitMQ management {method} {path}: expected {' or '.join(map(str, expected))}, got "
                f"{answer.status_code} {scrub(answer.text[:300])}"
            )
        return answer.json() if answer.content and answer.status_code == 200 else None

    def _wallet_connections(self) -> list[dict]:
        vhost = setting("RABBITMQ_VHOST", "wallet_test")
        connections = self._call("GET", "/api/connections") or []
        return [c for c in connections if c.get("user") == self._user() and c.get("vhost") == vhost]

    @keyword
    def cut_wallet_broker_access(self, timeout: float | None = None) -> None:
        """Saves and clears `${WALLET_AMQP_USER}`'s permissions on the vhost, then closes its connections
        until none is left (deadline `timeout`, default `${HEALTH_TIMEOUT}`)."""
        path = f"/api/permissions/{self._vhost()}/{quote(self._user(), safe='')}"
        current = self._call("GET", path, expected=(200, 404))
        if self._saved_permissions is None:
            self._saved_permissions = (
                {key: current[key] for key in ("configure", "write", "read")} if current else dict(FULL_PERMISSIONS)
            )
        self._call("DELETE", path, expected=(204, 404))
        deadline = time.monotonic() + (timeout or setting_seconds("HEALTH_TIMEOUT", 30.0))
        while True:
            connections = self._wallet_connections()
            if not connections:
                logger.info(f"{self._user()} has no permission and no connection on the vhost")
                return
            for connection in connections:
                self._call("DELETE", f"/api/connections/{quote(connection['name'], safe='')}", expected=(204, 404))
            if time.monotonic() >= deadline:
                raise AssertionError(f"{self._user()} still has {len(connections)} connection(s) after the deadline")
            time.sleep(0.25)

    @keyword
    def restore_wallet_broker_access(self) -> None:
        """Puts back the permissions saved by `Cut Wallet Broker Access` (full permissions if none were
        saved). Safe to call when nothing was cut."""
        permissions = self._saved_permissions or dict(FULL_PERMISSIONS)
        path = f"/api/permissions/{self._vhost()}/{quote(self._user(), safe='')}"
        self._call("PUT", path, permissions, expected=(201, 204))
        self._saved_permissions = None

    @keyword
    def wait_until_wallet_is_connected_to_broker(self, timeout: float | None = None) -> None:
        """Waits until `${WALLET_AMQP_USER}` has a connection on the vhost again (deadline `timeout`,
        default `${HEALTH_TIMEOUT}`)."""
        deadline = time.monotonic() + (timeout or setting_seconds("HEALTH_TIMEOUT", 30.0))
        while not self._wallet_connections():
            if time.monotonic() >= deadline:
                raise AssertionError(f"{self._user()} did not reconnect to the broker in time")
            time.sleep(0.5)

    @keyword
    def broker_topology_should_match_the_contract(self) -> None:
        """Checks contract section 7 on the vhost: durable topic exchanges `wallet.events` and
        `wallet.commands`, durable fanout `wallet.commands.dlx`, durable queues `wallet.commands`
        (dead-lettering to `wallet.commands.dlx`, by argument or policy) and `wallet.commands.dlq`,
        `wallet.commands` bound to its exchange with `#`, the dlq bound to the dlx."""
        vhost = self._vhost()
        problems: list[str] = []
        for name, kind in (
            ("wallet.events", "topic"),
            ("wallet.commands", "topic"),
            ("wallet.commands.dlx", "fanout"),
        ):
            exchange = self._call("GET", f"/api/exchanges/{vhost}/{quote(name, safe='')}", expected=(200, 404))
            if exchange is None:
                problems.append(f"exchange {name} is missing")
                continue
            if exchange.get("type") != kind or not exchange.get("durable"):
                problems.append(
                    f"exchange {name}: expected durable {kind}, got durable={exchange.get('durable')} "
                    f"type={exchange.get('type')}"
                )
        for name in ("wallet.commands", "wallet.commands.dlq"):
            queue = self._call("GET", f"/api/queues/{vhost}/{quote(name, safe='')}", expected=(200, 404))
            if queue is None:
                problems.append(f"queue {name} is missing")
                continue
            if not queue.get("durable"):
                problems.append(f"queue {name} is not durable")
            if name == "wallet.commands":
                arguments = queue.get("arguments") or {}
                policy = queue.get("effective_policy_definition") or {}
                dlx = arguments.get("x-dead-letter-exchange") or policy.get("dead-letter-exchange")
                if dlx != "wallet.commands.dlx":
                    problems.append(f"queue wallet.commands dead-letters to {dlx!r}, expected 'wallet.commands.dlx'")
        bindings = self._call("GET", f"/api/bindings/{vhost}") or []
        wanted = (("wallet.commands", "wallet.commands", "#"), ("wallet.commands.dlx", "wallet.commands.dlq", None))
        for source, destination, key in wanted:
            if not any(
                b.get("source") == source
                and b.get("destination") == destination
                and b.get("destination_type") == "queue"
                and (key is None or b.get("routing_key") == key)
                for b in bindings
            ):
                problems.append(f"no binding {source} -> {destination}" + (f" with {key!r}" if key else ""))
        if problems:
            raise AssertionError(
                "Broker topology differs from the contract:\n" + "\n".join(f"  - {p}" for p in problems)
            )
