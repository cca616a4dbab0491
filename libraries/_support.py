"""Helpers shared by the keyword libraries (not a Robot library itself).

- settings: read at run time from the Robot variables of the brief's settings list (`${HTTP_TIMEOUT}`,
  `${JWT_SECRET}`, ...), falling back to the environment variable of the same name; never logged;
- secrets: every secret value the process knows (settings marked secret, passwords inside URLs, minted
  tokens) is registered so `scrub()` can blank it out of anything about to be logged;
- the registry of wallets touched by each suite (filled by WalletApi, read by Ledger).
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

SECRET_SETTINGS = ("JWT_SECRET", "GATEWAY_WEBHOOK_SECRET", "RABBITMQ_MANAGEMENT_PASSWORD")
URL_SETTINGS = (
    "DATABASE_URL",
    "AMQP_URL",
    "WALLET_DATABASE_URL",
    "WALLET_AMQP_URL",
    "RABBITMQ_MANAGEMENT_URL",
    "WALLET_API_URL",
    "GATEWAY_MOCK_URL",
)
REDACTED = "***"
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


class SettingMissing(AssertionError):
    """A setting the keyword needs is not defined (one line saying how to fix it)."""


def _robot_variable(name: str) -> object | None:
    try:
        return BuiltIn().get_variable_value("${" + name + "}")
    except RobotNotRunningError:
        return None


def setting(name: str, default: str | None = None) -> str:
    """The value of a setting: Robot variable `${NAME}`, else environment variable NAME, else `default`."""
    value = _robot_variable(name)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise SettingMissing(
                f"setting {name} is not defined: run with --variablefile variables/<env>.py or -v {name}:<value>"
            )
        value = default
    text = str(value)
    if name in SECRET_SETTINGS:
        register_secret(text)
    elif name.endswith("_URL"):
        register_url_secrets(text)
    return text


def setting_seconds(name: str, default: float) -> float:
    """A duration setting in seconds (`5`, `2.5`)."""
    raw = setting(name, str(default))
    try:
        seconds = float(raw)
    except ValueError:
        raise SettingMissing(f"setting {name}={raw!r} is not a number of seconds (e.g. {default})") from None
    if seconds <= 0:
        raise SettingMissing(f"setting {name}={raw!r} must be a positive number of seconds")
    return seconds


def register_secret(value: str | None) -> None:
    """Remembers a secret value so `scrub()` removes it from anything logged (ignores short values)."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def register_url_secrets(url: str) -> None:
    """Registers the password of a URL (`scheme://user:password@host`) as a secret."""
    try:
        parts = urlsplit(url)
        password, user = parts.password, parts.username
    except ValueError:
        return
    if password and password != user:
        register_secret(password)


def scrub(text: str) -> str:
    """`text` with every registered secret replaced by `***` and any `Bearer <token>` blanked."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = JWT_RE.sub(REDACTED, text)
    return re.sub(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{16,}", r"\1" + REDACTED, text)


def safe_url(url: str) -> str:
    """A URL without its password, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:{REDACTED}@{netloc}", parts.path, parts.query, parts.fragment))


def run_id() -> str:
    """The run id (`${RUN_ID}`, passed with -v by run.sh) or a process-local fallback."""
    value = _robot_variable("RUN_ID") or os.environ.get("RUN_ID")
    if not value:
        value = _fallback_run_id()
    return re.sub(r"[^A-Za-z0-9_-]", "-", str(value))[:24]


_FALLBACK: list[str] = []


def _fallback_run_id() -> str:
    if not _FALLBACK:
        _FALLBACK.append("run-" + uuid.uuid4().hex[:8])
    return _FALLBACK[0]


# --- wallets touched by each suite -------------------------------------------------------------

_touched: dict[str, list[str]] = {}
_touched_lock = threading.Lock()


def current_suite() -> str:
    """The long name of the running suite (`Suites.Smoke.Journey`)."""
    name = _robot_variable("SUITE_NAME")
    return str(name) if name is not None else ""


def record_wallet(wallet_id: str) -> None:
    """Records that the running suite touched (created) a wallet."""
    suite = current_suite()
    with _touched_lock:
        wallets = _touched.setdefault(suite, [])
        if wallet_id not in wallets:
            wallets.append(wallet_id)


def wallets_touched_by(suite: str) -> list[str]:
    """Wallets recorded by `suite` or any of its child suites, in creation order."""
    found: list[str] = []
    with _touched_lock:
        items = list(_touched.items())
    for name, wallets in items:
        if name == suite or name.startswith(suite + ".") or suite == "":
            found.extend(wallet for wallet in wallets if wallet not in found)
    return found


def unique(values: Iterable[str]) -> list[str]:
    """Values in first-seen order without duplicates."""
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
