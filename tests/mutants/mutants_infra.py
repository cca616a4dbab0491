"""What a mutant run stands on: the local settings, one mutant's database + role and vhost + user, and the
processes it starts (each in its own session, stopped as a group, waited for with a deadline)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from mutants_patch import ROOT

STOP_GRACE_S = 12.0
POLL_S = 0.25


class RunnerError(Exception):
    """Bad input or an unusable environment: one line, exit 2."""


class Interrupted(Exception):
    """Ctrl-C / SIGTERM: stop what runs, clean up, exit 130."""


STOP = threading.Event()


def say(line: str) -> None:
    print(f"mutants: {line}", flush=True)


# ------------------------------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class Settings:
    """What the runner needs from the local settings (variables/_settings.py, environment first)."""

    admin_dsn: str  # a superuser DSN (the tests' DATABASE_URL); its database part is replaced per mutant
    amqp_url: str  # the tests' AMQP URL (guest); its vhost part is replaced per mutant
    management_url: str
    management_user: str
    management_password: str
    jwt_secret: str
    webhook_secret: str
    gateway_timeout_ms: str
    currencies: str


def load_settings() -> Settings:
    sys.path.insert(0, str(ROOT))
    try:
        from variables._settings import SettingsError, resolve
    finally:
        sys.path.remove(str(ROOT))
    try:
        values = resolve("local")
    except SettingsError as exc:
        raise RunnerError(str(exc)) from None
    return Settings(
        admin_dsn=values["DATABASE_URL"],
        amqp_url=values["AMQP_URL"],
        management_url=values["RABBITMQ_MANAGEMENT_URL"].rstrip("/"),
        management_user=values["RABBITMQ_MANAGEMENT_USER"],
        management_password=values["RABBITMQ_MANAGEMENT_PASSWORD"],
        jwt_secret=values["JWT_SECRET"],
        webhook_secret=values["GATEWAY_WEBHOOK_SECRET"],
        gateway_timeout_ms=values["GATEWAY_TIMEOUT_MS"],
        currencies=values["SUPPORTED_CURRENCIES"],
    )


def with_path(url: str, path: str, userinfo: str | None = None) -> str:
    """`url` with another path (database / vhost) and optionally another `user:password`."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{host}:{parts.port}" if parts.port else host
    if userinfo is not None:
        netloc = f"{userinfo}@{netloc}"
    elif parts.username:
        user = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{user}@{netloc}"
    return urlunsplit((parts.scheme, netloc, "/" + quote(path, safe=""), parts.query, ""))


# ------------------------------------------------------------------------------------------- infrastructure


class Infrastructure:
    """Creates and drops one mutant's database + role (PostgreSQL) and vhost + user (RabbitMQ)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        credentials = f"{settings.management_user}:{settings.management_password}"
        self._auth = "Basic " + b64encode(credentials.encode()).decode()

    # --- PostgreSQL ---------------------------------------------------------------------------------
    def _pg(self):
        import psycopg

        return psycopg.connect(with_path(self.settings.admin_dsn, "postgres"), autocommit=True, connect_timeout=5)

    def check(self) -> None:
        """Fail early, in one line, when PostgreSQL or the RabbitMQ management API cannot be used."""
        try:
            with self._pg() as conn:
                row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise RunnerError(f"cannot connect to PostgreSQL as DATABASE_URL's user: {first}") from None
        if not row or not row[0]:
            raise RunnerError("DATABASE_URL must be a superuser DSN (the runner creates databases and roles)")
        try:
            status, _ = self._mgmt("GET", "/api/overview")
        except OSError as exc:
            raise RunnerError(f"{exc}: `./run.sh stack up` enables it (rabbitmq_management)") from None
        if status != 200:
            raise RunnerError(
                f"the RabbitMQ management API at {self.settings.management_url} answered {status}: enable it with "
                "`rabbitmq-plugins enable rabbitmq_management` and check RABBITMQ_MANAGEMENT_USER/PASSWORD"
            )

    def create(self, name: str, password: str) -> None:
        self.drop(name)  # leftovers of an interrupted earlier run with the same id
        from psycopg import sql

        with self._pg() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(name)))
        vhost = quote(name, safe="")
        tests_user = unquote(urlsplit(self.settings.amqp_url).username or "guest")
        self._must("PUT", f"/api/vhosts/{vhost}", {})
        self._must("PUT", f"/api/users/{vhost}", {"password": password, "tags": ""})
        full = {"configure": ".*", "write": ".*", "read": ".*"}
        for user in (name, tests_user):
            self._must("PUT", f"/api/permissions/{vhost}/{quote(user, safe='')}", full)

    def drop(self, name: str) -> list[str]:
        """Drop everything named `name`; returns the problems (never raises: cleanup must go on)."""
        problems: list[str] = []
        from psycopg import sql

        try:
            with self._pg() as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
        except Exception as exc:
            problems.append(f"PostgreSQL cleanup of {name}: {(str(exc).strip().splitlines() or ['?'])[0]}")
        for path in (f"/api/vhosts/{quote(name, safe='')}", f"/api/users/{quote(name, safe='')}"):
            try:
                status, _ = self._mgmt("DELETE", path)
                if status not in (200, 201, 204, 404):
                    problems.append(f"RabbitMQ cleanup DELETE {path}: HTTP {status}")
            except OSError as exc:
                problems.append(f"RabbitMQ cleanup DELETE {path}: {exc}")
        return problems

    # --- RabbitMQ management API --------------------------------------------------------------------
    def _mgmt(self, method: str, path: str, body: object | None = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.settings.management_url + path, data=data, method=method)
        request.add_header("Authorization", self._auth)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return int(response.status), json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return int(error.code), None
        except urllib.error.URLError as error:
            raise OSError(f"RabbitMQ management API at {self.settings.management_url}: {error.reason}") from None

    def _must(self, method: str, path: str, body: object | None = None) -> None:
        status, _ = self._mgmt(method, path, body)
        if status >= 300:
            raise RuntimeError(f"RabbitMQ management API: {method} {path} answered HTTP {status}")


# ------------------------------------------------------------------------------------------------ processes


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def start(argv: Sequence[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a process in its own session (so its whole group can be stopped), output to `log`."""
    with log.open("ab") as handle:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], grace: float = STOP_GRACE_S) -> None:
    """TERM the process group we started, wait boundedly, then KILL what is left of it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
    # Children that outlived the leader (robot processes of pabot) are still in the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_for(process: subprocess.Popen[bytes], deadline: float) -> int | None:
    """The exit code, or None when the deadline passed; Interrupted as soon as STOP is set."""
    while True:
        try:
            return process.wait(timeout=POLL_S)
        except subprocess.TimeoutExpired:
            pass
        if STOP.is_set():
            raise Interrupted
        if time.monotonic() >= deadline:
            return None


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return "    (no log)"
    return "\n".join("    | " + line for line in text)
