"""What the wallet needs before it starts, created when missing: PostgreSQL (its database, its own
non-superuser role) and RabbitMQ (vhost, the wallet's user and permissions, the management plugin).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path
from urllib.parse import quote

from stack_base import (
    POLL_INTERVAL_S,
    StackError,
    amqp_vhost,
    db_name,
    host_port,
    port_open,
    redact,
    setting,
    url_user,
    with_db,
)


def check_infrastructure() -> None:
    """PostgreSQL and RabbitMQ must already listen where the wallet's URLs point; one line when not."""
    clusters = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    pg_hint = (
        f"pg_ctlcluster --skip-systemctl-redirect {clusters[-1]} main start"
        if clusters
        else "start your PostgreSQL server"
    )
    checks = [
        ("PostgreSQL", "WALLET_DATABASE_URL", pg_hint),
        ("RabbitMQ", "WALLET_AMQP_URL", "rabbitmq-server -detached"),
    ]
    for label, name, hint in checks:
        host, port = host_port(setting(name), name)
        if not port_open(host, port):
            raise StackError(
                f"{label} is not listening on {host}:{port} ({name}): start it with `{hint}` "
                "or use a machine with a Docker engine (`docker compose up --wait`)"
            )


def provision_database() -> list[str]:
    """Create the database(s) and the wallet's non-superuser role when missing; return what was created."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        raise StackError(
            "psycopg is not installed in the stack's Python: .venv/bin/pip install 'psycopg[binary]'"
        ) from None
    admin_url = setting("DATABASE_URL")
    wallet_url = setting("WALLET_DATABASE_URL")
    role, password = url_user(wallet_url)
    admin_user = url_user(admin_url)[0]
    if not role:
        raise StackError("WALLET_DATABASE_URL has no user: use postgresql://wallet_api:wallet_api@host:5432/db", code=2)
    if role == admin_user or role == "postgres":
        raise StackError(f"WALLET_DATABASE_URL must use the wallet's own role, not {role!r} (e.g. wallet_api)", code=2)
    expected_role = os.environ.get("WALLET_DB_ROLE", "").strip()
    if expected_role and expected_role != role:
        print(
            f"warning: WALLET_DB_ROLE={expected_role} but WALLET_DATABASE_URL connects as {role}; tests use the former"
        )
    names = list(dict.fromkeys([db_name(admin_url), db_name(wallet_url)]))
    created: list[str] = []
    where = redact(with_db(admin_url, "postgres"))
    try:
        with psycopg.connect(with_db(admin_url, "postgres"), autocommit=True, connect_timeout=5) as conn:
            row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if row is None:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
                created.append(f"role {role}")
            else:
                conn.execute(
                    sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
                )
                if row[0]:
                    print(
                        f"warning: the wallet's role {role} is a superuser; tests expect a dedicated non-superuser role"
                    )
            if setting("STACK_FRESH_DATABASE") == "yes" and db_name(wallet_url) != "postgres":
                fresh = sql.Identifier(db_name(wallet_url))
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(fresh))
            for name in names:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
                if exists is None:
                    conn.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(role))
                    )
                    created.append(f"database {name}")
                else:
                    conn.execute(
                        sql.SQL("GRANT ALL PRIVILEGES ON DATABASE {} TO {}").format(
                            sql.Identifier(name), sql.Identifier(role)
                        )
                    )
        for name in names:
            with psycopg.connect(with_db(admin_url, name), autocommit=True, connect_timeout=5) as conn:
                conn.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(role)))
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if password:
            first = first.replace(password, "***")
        raise StackError(
            f"PostgreSQL setup failed at {where} (DATABASE_URL must be a superuser DSN): {first}"
        ) from None
    return created


class Management:
    """Minimal client of the RabbitMQ management HTTP API (basic auth, bounded timeouts)."""

    def __init__(self) -> None:
        self.base = setting("RABBITMQ_MANAGEMENT_URL").rstrip("/")
        host_port(self.base, "RABBITMQ_MANAGEMENT_URL")
        user, password = setting("RABBITMQ_MANAGEMENT_USER"), setting("RABBITMQ_MANAGEMENT_PASSWORD")
        self.user = user
        self._auth = "Basic " + b64encode(f"{user}:{password}".encode()).decode()

    def call(self, method: str, path: str, body: object | None = None, timeout: float = 5.0) -> tuple[int, object]:
        """One request; returns (status, parsed JSON or None). Raises OSError when nothing answers."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", self._auth)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw = response.read()
                return int(response.status), json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return int(error.code), None

    def answers(self) -> bool:
        """True when the API answers at all (any HTTP status)."""
        try:
            self.call("GET", "/api/overview", timeout=2.0)
        except (OSError, ValueError):
            return False
        return True

    def ensure_enabled(self, deadline: float) -> bool:
        """Make the API answer: enable the management plugin when needed, then poll until the deadline."""
        if self.answers():
            return False
        print("enabling the RabbitMQ management plugin (needed by the destructive tests)...", flush=True)
        try:
            result = subprocess.run(
                ["rabbitmq-plugins", "enable", "rabbitmq_management"],
                capture_output=True,
                text=True,
                timeout=max(5.0, deadline - time.monotonic()),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise StackError(
                f"RabbitMQ management API does not answer at {self.base} and enabling it failed ({error}): "
                "run `rabbitmq-plugins enable rabbitmq_management` as root"
            ) from None
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            why = lines[-1] if lines else f"exit {result.returncode}"
            raise StackError(
                f"RabbitMQ management API does not answer at {self.base} and `rabbitmq-plugins enable "
                f"rabbitmq_management` failed ({why}): run it as root"
            )
        while time.monotonic() < deadline:
            if self.answers():
                return True
            time.sleep(POLL_INTERVAL_S * 2)
        raise StackError(
            f"RabbitMQ management plugin enabled but {self.base} still does not answer; check rabbitmq logs"
        )

    def must(self, method: str, path: str, body: object | None = None) -> tuple[int, object]:
        status, data = self.call(method, path, body)
        if status == 401:
            raise StackError(
                f"RabbitMQ management API at {self.base} rejected user {self.user!r}: set RABBITMQ_MANAGEMENT_USER/"
                "RABBITMQ_MANAGEMENT_PASSWORD to an administrator"
            )
        if status >= 400 and status != 404:
            raise StackError(f"RabbitMQ management API: {method} {path.split('?')[0]} answered {status}")
        return status, data


def provision_rabbitmq(deadline: float) -> list[str]:
    """Create the vhost, the wallet's own user with full permissions, and the tests' user permissions."""
    mgmt = Management()
    created: list[str] = []
    if mgmt.ensure_enabled(deadline):
        created.append("management plugin")
    wallet_url, tests_url = setting("WALLET_AMQP_URL"), setting("AMQP_URL")
    user, password = url_user(wallet_url)
    tests_user = url_user(tests_url)[0] or "guest"
    if not user or not password:
        raise StackError(
            "WALLET_AMQP_URL needs a user and a password: amqp://wallet_api:wallet_api@host:5672/vhost", code=2
        )
    if user in (mgmt.user, tests_user):
        raise StackError(
            f"WALLET_AMQP_URL must use the wallet's own RabbitMQ user, not {user!r} (e.g. wallet_api)", code=2
        )
    expected_user = os.environ.get("WALLET_AMQP_USER", "").strip()
    if expected_user and expected_user != user:
        print(f"warning: WALLET_AMQP_USER={expected_user} but WALLET_AMQP_URL connects as {user}; tests use the former")
    vhosts = list(dict.fromkeys([setting("RABBITMQ_VHOST"), amqp_vhost(wallet_url), amqp_vhost(tests_url)]))
    full = {"configure": ".*", "write": ".*", "read": ".*"}
    for vhost in vhosts:
        path = f"/api/vhosts/{quote(vhost, safe='')}"
        if mgmt.must("GET", path)[0] == 404:
            mgmt.must("PUT", path, {})
            created.append(f"vhost {vhost}")
    user_path = f"/api/users/{quote(user, safe='')}"
    if mgmt.must("GET", user_path)[0] == 404:
        created.append(f"rabbitmq user {user}")
    mgmt.must("PUT", user_path, {"password": password, "tags": ""})
    for vhost in vhosts:
        for who in dict.fromkeys([user, tests_user]):
            mgmt.must("PUT", f"/api/permissions/{quote(vhost, safe='')}/{quote(who, safe='')}", full)
    return created
