"""Clients for the stack tests: settings, the Wallet API (tokens minted and kept here), events, management API.

Settings are read from the environment with the local defaults of the project brief. Secrets (JWT secret,
tokens, webhook secret, passwords) are never printed: failure messages carry statuses and bodies only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jwt
import pika
import psycopg2
import requests
from jwt.warnings import InsecureKeyLengthWarning
from psycopg2 import sql

from variables._settings import read

RUN_ID = os.environ.get("RUN_ID", "").strip() or f"stk{uuid.uuid4().hex[:8]}"


def _get(name: str) -> str:
    return read(name)


@dataclass(frozen=True)
class Settings:
    """Every setting the stack tests use (secrets excluded from repr)."""

    wallet_url: str
    mock_url: str
    database_url: str
    amqp_url: str
    management_url: str
    management_user: str
    vhost: str
    wallet_db_role: str
    wallet_amqp_user: str
    http_timeout: float
    event_timeout: float
    health_timeout: float
    management_password: str = field(repr=False)
    jwt_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings from the environment, local defaults for what is unset."""
        return cls(
            wallet_url=_get("WALLET_API_URL").rstrip("/"),
            mock_url=_get("GATEWAY_MOCK_URL").rstrip("/"),
            database_url=_get("DATABASE_URL"),
            amqp_url=_get("AMQP_URL"),
            management_url=_get("RABBITMQ_MANAGEMENT_URL").rstrip("/"),
            management_user=_get("RABBITMQ_MANAGEMENT_USER"),
            vhost=_get("RABBITMQ_VHOST"),
            wallet_db_role=_get("WALLET_DB_ROLE"),
            wallet_amqp_user=_get("WALLET_AMQP_USER"),
            http_timeout=float(_get("HTTP_TIMEOUT")),
            event_timeout=float(_get("EVENT_TIMEOUT")),
            health_timeout=float(_get("HEALTH_TIMEOUT")),
            management_password=_get("RABBITMQ_MANAGEMENT_PASSWORD"),
            jwt_secret=_get("JWT_SECRET"),
            webhook_secret=_get("GATEWAY_WEBHOOK_SECRET"),
        )


def unique(purpose: str) -> str:
    """A unique id prefixed with the run id, for owners, payment tokens, keys and command ids."""
    return f"{RUN_ID}-{purpose}-{uuid.uuid4().hex[:12]}"


def health_status(url: str, timeout: float) -> int | None:
    """Status of GET {url}/health, None when nothing answers."""
    try:
        return requests.get(f"{url}/health", timeout=timeout).status_code
    except requests.RequestException:
        return None


def expect(response: requests.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert the status (and the problem `code`); return the parsed JSON body."""
    try:
        body = response.json()
    except ValueError:
        body = {"<non-JSON body>": response.text[:300]}
    where = f"{response.request.method} {response.request.path_url}"
    assert response.status_code == status, f"{where}: expected HTTP {status}, got {response.status_code}: {body}"
    if code is not None:
        assert isinstance(body, dict) and body.get("code") == code, f"{where}: expected code {code}, got {body}"
    return body


class WalletClient:
    """The Wallet API as one owner: mints that owner's HS256 token and never exposes it."""

    def __init__(self, settings: Settings, owner: str) -> None:
        self.settings = settings
        self.owner = owner
        self.session = requests.Session()
        with warnings.catch_warnings():  # the local default key is shorter than PyJWT recommends
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            self._token = jwt.encode({"sub": owner, "exp": int(time.time()) + 1800}, settings.jwt_secret, "HS256")

    def __repr__(self) -> str:
        return f"WalletClient(owner={self.owner!r})"

    def call(
        self, method: str, path: str, body: Any = None, *, key: str | None = None, **params: Any
    ) -> requests.Response:
        """One request with the bearer token and, when given, an Idempotency-Key."""
        headers = {"Authorization": f"Bearer {self._token}", "X-Request-ID": unique("req")}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.session.request(
            method,
            f"{self.settings.wallet_url}{path}",
            json=body,
            headers=headers,
            params=params or None,
            timeout=self.settings.http_timeout,
        )

    def create_wallet(self, currency: str = "EUR") -> dict[str, Any]:
        """POST /v1/wallets, asserting 201."""
        return expect(self.call("POST", "/v1/wallets", {"currency": currency}), 201)

    def deposit(self, wallet_id: str, amount: int, token: str, currency: str = "EUR") -> requests.Response:
        """POST a deposit with a fresh idempotency key."""
        body = {"amount": amount, "currency": currency, "payment_token": token}
        return self.call("POST", f"/v1/wallets/{wallet_id}/deposits", body, key=unique("idem"))

    def withdraw(self, wallet_id: str, amount: int, currency: str = "EUR") -> requests.Response:
        """POST a withdrawal with a fresh idempotency key."""
        body = {"amount": amount, "currency": currency}
        return self.call("POST", f"/v1/wallets/{wallet_id}/withdrawals", body, key=unique("idem"))

    def balance(self, wallet_id: str) -> int:
        """The wallet's balance from GET /v1/wallets/{id}."""
        return int(expect(self.call("GET", f"/v1/wallets/{wallet_id}"), 200)["balance"])

    def history(self, wallet_id: str, limit: int) -> list[dict[str, Any]]:
        """Every transaction of a wallet, following next_cursor page by page (bounded)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(1000):
            params: dict[str, Any] = {"limit": limit}
            if cursor is not None:
                params["cursor"] = cursor
            page = expect(self.call("GET", f"/v1/wallets/{wallet_id}/transactions", **params), 200)
            assert len(page["data"]) <= limit, f"page larger than limit {limit}: {len(page['data'])}"
            items.extend(page["data"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("next_cursor never became null after 1000 pages")


def sign_webhook(raw_body: bytes, secret: str) -> str:
    """The X-Gateway-Signature value of a raw webhook body."""
    return "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


class GatewayMock:
    """The gateway mock's admin API."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def settle(self, charge_id: str, status: str = "succeeded", signature: str = "valid") -> dict[str, Any]:
        """Have the mock send the signed webhook of a charge to the wallet; return the mock's answer."""
        response = requests.post(
            f"{self.settings.mock_url}/__admin/charges/{quote(charge_id, safe='')}/settle",
            json={"status": status, "failure_code": None, "signature": signature, "repeat": 1},
            timeout=self.settings.http_timeout * 2,
        )
        return expect(response, 200)

    def charge_id_of(self, payment_token: str) -> str:
        """The charge id the mock answered for a payment token (from its request journal)."""
        response = requests.get(
            f"{self.settings.mock_url}/__admin/requests",
            params={"payment_token": payment_token},
            timeout=self.settings.http_timeout,
        )
        charges = [r["charge_id"] for r in expect(response, 200)["requests"] if r.get("charge_id")]
        assert len(charges) == 1, f"expected one charge for the payment token in the mock's journal, got {charges}"
        return str(charges[0])


@dataclass
class Message:
    """One message read from RabbitMQ: its body (parsed when JSON) and properties."""

    body: Any
    properties: pika.BasicProperties
    routing_key: str


class QueueTap:
    """An exclusive server-named queue bound to an exchange before the action it observes."""

    def __init__(self, settings: Settings, exchange: str, binding: str = "#") -> None:
        params = pika.URLParameters(settings.amqp_url)
        params.socket_timeout = settings.http_timeout
        params.blocked_connection_timeout = settings.http_timeout
        params.connection_attempts = 1
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        self.channel.exchange_declare(exchange, passive=True)
        self.queue = self.channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        self.channel.queue_bind(self.queue, exchange, routing_key=binding)
        self.seen: list[Message] = []
        self._confirming = False

    def _messages(self, deadline: float) -> Iterator[Message]:
        for method, properties, body in self.channel.consume(self.queue, auto_ack=True, inactivity_timeout=0.2):
            if method is not None:
                try:
                    parsed: Any = json.loads(body)
                except ValueError:
                    parsed = body
                message = Message(parsed, properties, method.routing_key)
                self.seen.append(message)
                yield message
            if time.monotonic() >= deadline:
                return

    def wait_for(self, predicate: Callable[[Message], bool], timeout: float, what: str) -> Message:
        """The first message (already seen or arriving before the deadline) that matches."""
        for message in self.seen:
            if predicate(message):
                return message
        for message in self._messages(time.monotonic() + timeout):
            if predicate(message):
                return message
        kinds = [m.routing_key for m in self.seen][-20:]
        raise AssertionError(f"expected {what} within {timeout:g} s, got none (last routing keys seen: {kinds})")

    def wait_event(self, event_type: str, timeout: float, **data: Any) -> Message:
        """The first event of that type whose data contains every given key/value."""

        def matches(message: Message) -> bool:
            body = message.body
            return (
                isinstance(body, dict)
                and body.get("type") == event_type
                and all(body.get("data", {}).get(k) == v for k, v in data.items())
            )

        return self.wait_for(matches, timeout, f"a {event_type} event with data {data}")

    def publish(self, exchange: str, routing_key: str, body: bytes, message_id: str) -> None:
        """Publish with publisher confirms and mandatory routing (an unroutable message is an error)."""
        if not self._confirming:
            self.channel.confirm_delivery()
            self._confirming = True
        self.channel.basic_publish(
            exchange,
            routing_key,
            body,
            pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=message_id),
            mandatory=True,
        )

    def close(self) -> None:
        """Close the connection (the exclusive queue goes with it)."""
        if self.connection.is_open:
            self.connection.close()


class Management:
    """The RabbitMQ management HTTP API (user and connections of the wallet, bindings)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = requests.Session()
        self.session.auth = (settings.management_user, settings.management_password)
        self.vhost = quote(settings.vhost, safe="")

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(
            method, f"{self.settings.management_url}{path}", timeout=self.settings.http_timeout, **kwargs
        )

    def permissions(self, user: str) -> dict[str, str] | None:
        """The user's permissions on the vhost, None when it has none."""
        response = self._call("GET", f"/api/permissions/{self.vhost}/{quote(user, safe='')}")
        if response.status_code == 404:
            return None
        body = expect(response, 200)
        return {k: body[k] for k in ("configure", "write", "read")}

    def set_permissions(self, user: str, permissions: dict[str, str]) -> None:
        """Grant the user these permissions on the vhost."""
        response = self._call("PUT", f"/api/permissions/{self.vhost}/{quote(user, safe='')}", json=permissions)
        assert response.status_code in (201, 204), f"restoring permissions of {user}: HTTP {response.status_code}"

    def clear_permissions(self, user: str) -> None:
        """Remove every permission of the user on the vhost."""
        response = self._call("DELETE", f"/api/permissions/{self.vhost}/{quote(user, safe='')}")
        assert response.status_code in (204, 404), f"clearing permissions of {user}: HTTP {response.status_code}"

    def connections_of(self, user: str) -> list[str]:
        """Names of the user's open connections.

        From connection tracking (`/api/connections/username/{user}`), which is up to date at once; the
        general `/api/connections` list comes from statistics emitted every few seconds and misses a fresh
        connection (closing "all" of them from it can leave the wallet connected).
        """
        response = self._call("GET", f"/api/connections/username/{quote(user, safe='')}")
        if response.status_code == 404:  # older brokers without that endpoint
            response = self._call("GET", "/api/connections", params={"columns": "name,user"})
        return [c["name"] for c in expect(response, 200) if c.get("user") == user]

    def close_connections(self, user: str) -> int:
        """Close every connection of the user; return how many there were.

        `DELETE /api/connections/username/{user}` works from connection tracking (at once); deleting by name
        needs the connection in the statistics database first, so it is only the fallback for older brokers.
        """
        names = self.connections_of(user)
        response = self._call(
            "DELETE",
            f"/api/connections/username/{quote(user, safe='')}",
            headers={"X-Reason": "stack test lockout"},
        )
        if response.status_code in (404, 405):
            for name in names:
                response = self._call(
                    "DELETE", f"/api/connections/{quote(name, safe='')}", headers={"X-Reason": "stack test lockout"}
                )
                assert response.status_code in (204, 404), (
                    f"closing a connection of {user}: HTTP {response.status_code}"
                )
        else:
            assert response.status_code == 204, f"closing the connections of {user}: HTTP {response.status_code}"
        return len(names)

    def bindings_from(self, exchange: str) -> list[dict[str, Any]]:
        """Bindings whose source is the exchange."""
        path = f"/api/exchanges/{self.vhost}/{quote(exchange, safe='')}/bindings/source"
        return expect(self._call("GET", path), 200)


def poll(check: Callable[[], Any], timeout: float, what: str, interval_s: float = 0.1) -> Any:
    """Call `check` until it returns a truthy value or the deadline passes (then AssertionError).

    The short pause between two checks is the polling interval of a deadline-bounded loop, never a fixed wait.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"expected {what} within {timeout:g} s")
        time.sleep(interval_s)


def remove_stack_of(settings: dict[str, str]) -> None:
    """Drop a throwaway checkout's database and role, and its RabbitMQ vhost and user."""
    name = settings["RABBITMQ_VHOST"]
    assert name.startswith("wallet_") and name != "wallet_test", f"not a throwaway checkout's stack: {name}"
    admin = settings["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(admin, connect_timeout=5)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    connection.close()
    auth = (read("RABBITMQ_MANAGEMENT_USER"), read("RABBITMQ_MANAGEMENT_PASSWORD"))
    base = read("RABBITMQ_MANAGEMENT_URL").rstrip("/")
    for path in (f"/api/vhosts/{name}", f"/api/users/{name}"):
        requests.delete(base + path, auth=auth, timeout=5)
