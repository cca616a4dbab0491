"""Settings and small helpers of the local stack's process mode (stdlib only: Docker mode's `health` uses it).

The stack's own settings (STACK_*) have defaults here; every other setting is read by variables/_settings.read.
A failure is a StackError: one line (plus optional detail), exit code 1, or 2 for bad input.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from variables import _checkout  # noqa: E402 - this checkout's own stack
from variables._settings import SettingsError, read  # noqa: E402 - the one settings reader

# Pid files and logs; STACK_STATE_DIR moves them (the self-tests run a second stack on other ports).
STATE_DIR = Path(os.environ.get("STACK_STATE_DIR", "").strip() or ROOT / "results" / "stack").resolve()

# The stack's own settings; every other setting is read by variables/_settings.read (the one reader).
STACK_DEFAULTS: dict[str, str] = {
    "STACK_SERVICES": "wallet-api payment-gateway-mock",
    "STACK_STOP_TIMEOUT": "10",
    "STACK_LOG_LINES": "40",
    "STACK_FRESH_DATABASE": "no",  # "yes": drop the wallet's database first (a private stack's, see runner.services)
}
SERVICE_NAMES = ("wallet-api", "payment-gateway-mock")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - a comparison, not a bind
POLL_INTERVAL_S = 0.1


class StackError(Exception):
    """A failure explained in one line (plus optional detail lines, e.g. the tail of a log)."""

    def __init__(self, line: str, detail: str = "", code: int = 1) -> None:
        super().__init__(line)
        self.line = line
        self.detail = detail
        self.code = code


def setting(name: str, env: Mapping[str, str] | None = None) -> str:
    """The value of a setting: the environment variable when set and not empty, else the local default."""
    if name in STACK_DEFAULTS:
        return (os.environ if env is None else env).get(name, "").strip() or STACK_DEFAULTS[name]
    try:
        return read(name, env)  # without `env`: the environment over this checkout's own stack (variables/_checkout)
    except SettingsError as error:
        raise StackError(str(error), code=2) from None


def int_setting(name: str, low: int, high: int) -> int:
    """An integer setting in [low, high]; bad input is a one-line StackError (exit 2)."""
    raw = setting(name)
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise StackError(f"{name} must be an integer between {low} and {high}, got {raw!r}", code=2)
    return int(raw)


def host_port(url: str, name: str) -> tuple[str, int]:
    """Host and port of a URL setting (default port by scheme); a URL without a host is bad input."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise StackError(
            f"{name} is not a valid URL (got a value that does not parse); fix the setting", code=2
        ) from None
    if not parts.hostname:
        raise StackError(f"{name} must be an absolute URL with a host (e.g. {read(name, {})})", code=2)
    defaults = {"http": 80, "https": 443, "postgresql": 5432, "postgres": 5432, "amqp": 5672, "amqps": 5671}
    return parts.hostname, port or defaults.get(parts.scheme, 0)


def redact(url: str) -> str:
    """A URL without its user info, safe to print."""
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return "<unparsable URL>"


def url_user(url: str) -> tuple[str, str]:
    """Decoded user name and password of a URL (empty strings when absent)."""
    parts = urlsplit(url)
    return unquote(parts.username or ""), unquote(parts.password or "")


def amqp_vhost(url: str) -> str:
    """The vhost of an AMQP URL: the decoded path without its leading slash; `/` when the path is empty."""
    path = urlsplit(url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def db_name(url: str) -> str:
    """The database name of a PostgreSQL DSN."""
    return unquote(urlsplit(url).path.lstrip("/"))


def with_db(url: str, name: str) -> str:
    """The same DSN pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(name), parts.query, ""))


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """HTTP status of a GET (None when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - URL from our settings
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def whose() -> str:
    """One line: whose stack this is (the checkout, and whether it holds the default ports and names)."""
    names = ("WALLET_API_URL", "GATEWAY_MOCK_URL", "WALLET_DATABASE_URL", "RABBITMQ_VHOST")
    return _checkout.describe(
        {name: redact(setting(name)) if name.endswith("_URL") else setting(name) for name in names}
    )
