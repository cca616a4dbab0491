"""Shared definition of every setting of the test environments (stdlib only).

Not an environment itself (the leading underscore keeps it out of the list of environments).
Each environment file (`local.py`, `ci.py`, `staging.py`) is a Robot Framework variable file whose
`get_variables()` returns `resolve(<env>)`; `python3 -m variables ENV` prints the same values as
shell `export` lines for `run.sh`.

`read(NAME)` is the one reader of a setting at run time, used by the keyword libraries and the local stack:
the Robot variable `${NAME}` while Robot Framework runs (a `Secret` is unwrapped), else the environment
variable, else the local default.

Rules:
- every setting is overridable by the environment variable of the same name;
- `local` and `ci` (which runs the same local stack) have defaults for everything, secrets included;
- `staging` has no default for any address or secret: a missing one is a one-line `SettingsError`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

try:
    from . import _checkout
except ImportError:  # imported as a top-level module (the fallback of a variable file)
    import _checkout

VARIABLES_DIR = Path(__file__).resolve().parent


class SettingsError(ValueError):
    """A setting is missing or an environment is unknown; the message is one line saying how to fix it."""


@dataclass(frozen=True)
class Setting:
    """One setting: its name, its local default, and what kind of value it is."""

    name: str
    local_default: str
    description: str
    secret: bool = False
    # "address": required on staging; "stack": only used to start the local stack (optional on staging);
    # "value": has the same default everywhere.
    kind: str = "value"


# Host ports of the local stack (docker-compose.yml publishes on the same variables, same defaults): the
# local defaults below follow them, e.g. POSTGRES_PORT=5433 moves DATABASE_URL and WALLET_DATABASE_URL.
HOST_PORTS: dict[str, str] = {
    "WALLET_API_PORT": "8080",
    "GATEWAY_MOCK_PORT": "8090",
    "POSTGRES_PORT": "5432",
    "RABBITMQ_PORT": "5672",
    "RABBITMQ_MANAGEMENT_PORT": "15672",
}

SETTINGS: tuple[Setting, ...] = (
    Setting("WALLET_API_URL", "http://127.0.0.1:{WALLET_API_PORT}", "Wallet API the tests call", kind="address"),
    Setting(
        "GATEWAY_MOCK_URL",
        "http://127.0.0.1:{GATEWAY_MOCK_PORT}",
        "gateway mock the tests call (admin API)",
        kind="address",
    ),
    Setting("GATEWAY_URL", "http://127.0.0.1:{GATEWAY_MOCK_PORT}", "gateway the local wallet calls", kind="stack"),
    Setting(
        "WALLET_WEBHOOK_URL",
        "http://127.0.0.1:{WALLET_API_PORT}/v1/webhooks/payment-gateway",
        "wallet webhook the local mock calls",
        kind="stack",
    ),
    Setting(
        "DATABASE_URL",
        "postgresql://postgres@127.0.0.1:{POSTGRES_PORT}/wallet_test",
        "tests' DSN to the wallet's database (a superuser)",
        kind="address",
    ),
    Setting(
        "WALLET_DATABASE_URL",
        "postgresql://wallet_api:wallet_api@127.0.0.1:{POSTGRES_PORT}/wallet_test",
        "the local wallet's own DSN",
        kind="stack",
    ),
    Setting(
        "AMQP_URL", "amqp://guest:guest@127.0.0.1:{RABBITMQ_PORT}/wallet_test", "tests' RabbitMQ URL", kind="address"
    ),
    Setting(
        "WALLET_AMQP_URL",
        "amqp://wallet_api:wallet_api@127.0.0.1:{RABBITMQ_PORT}/wallet_test",
        "the local wallet's own RabbitMQ URL",
        kind="stack",
    ),
    Setting(
        "RABBITMQ_MANAGEMENT_URL",
        "http://127.0.0.1:{RABBITMQ_MANAGEMENT_PORT}",
        "RabbitMQ management API (destructive tests only)",
        kind="stack",
    ),
    Setting("RABBITMQ_MANAGEMENT_USER", "guest", "RabbitMQ management user (destructive tests only)", kind="stack"),
    Setting(
        "RABBITMQ_MANAGEMENT_PASSWORD",
        "guest",
        "RabbitMQ management password (destructive tests only)",
        secret=True,
        kind="stack",
    ),
    Setting("RABBITMQ_VHOST", "wallet_test", "RabbitMQ virtual host of the wallet"),
    Setting("WALLET_DB_ROLE", "wallet_api", "database role the wallet connects as"),
    Setting("WALLET_AMQP_USER", "wallet_api", "RabbitMQ user the wallet connects as"),
    Setting("JWT_SECRET", "local-jwt-secret-not-for-prod", "HS256 key of the bearer tokens", secret=True),
    Setting(
        "GATEWAY_WEBHOOK_SECRET",
        "local-webhook-secret-not-for-prod",
        "HMAC key of the gateway webhooks",
        secret=True,
    ),
    Setting("GATEWAY_TIMEOUT_MS", "2000", "the wallet's timeout for one gateway call (ms)"),
    Setting("SUPPORTED_CURRENCIES", "EUR,USD,GBP", "currencies the wallet supports"),
    Setting("HTTP_TIMEOUT", "5", "seconds, every HTTP call of the tests"),
    Setting("EVENT_TIMEOUT", "5", "seconds, waiting for an event"),
    Setting("HEALTH_TIMEOUT", "30", "seconds, waiting for /health at suite start"),
)

SETTING_NAMES: tuple[str, ...] = tuple(s.name for s in SETTINGS)
_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
SECRET_NAMES: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.secret)

# Environments with defaults for everything (they run the local stack of this repository).
LOCAL_ENVIRONMENTS = ("local", "ci")


def environments() -> list[str]:
    """The valid environments: the variable files of this folder (names not starting with `_`)."""
    return sorted(p.stem for p in VARIABLES_DIR.glob("*.py") if not p.stem.startswith("_"))


def required_on(environment: str) -> list[str]:
    """Names of the settings that have no default on `environment` (must come from the environment)."""
    if environment in LOCAL_ENVIRONMENTS:
        return []
    return [s.name for s in SETTINGS if s.kind == "address" or (s.secret and s.kind != "stack")]


def resolve(environment: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return every setting of `environment` (ENVIRONMENT included), environment variables first.

    Raises SettingsError (one line) for an unknown environment or a setting missing on staging.
    """
    environ = checkout_environ(environment) if environ is None else environ
    valid = environments()
    if environment not in valid:
        raise SettingsError(f"unknown environment '{environment}': valid environments are {', '.join(valid)}")
    required = required_on(environment)
    missing = [name for name in required if not environ.get(name)]
    if missing:
        example = " ".join(f"{name}=..." for name in missing)
        raise SettingsError(
            f"environment '{environment}' needs {', '.join(missing)} from the environment: "
            f"export {example} (see README.md, 'Environments and settings')"
        )
    ports = host_ports(environ) if environment in LOCAL_ENVIRONMENTS else HOST_PORTS
    values = {"ENVIRONMENT": environment}
    for setting in SETTINGS:
        if setting.name in environ:
            values[setting.name] = environ[setting.name]
        elif environment in LOCAL_ENVIRONMENTS or setting.kind == "value":
            values[setting.name] = setting.local_default.format_map(ports)
        else:
            # Stack-only settings are not used outside the local stack: empty unless given.
            values[setting.name] = ""
    return values


def checkout_environ(environment: str) -> Mapping[str, str]:
    """os.environ, on local and ci over the settings of this checkout's own stack (variables/_checkout.py)."""
    if environment not in LOCAL_ENVIRONMENTS:
        return os.environ
    default = lambda name, env: _BY_NAME[name].local_default.format_map(host_ports(env))  # noqa: E731
    return {**os.environ, **_checkout.overrides(os.environ, default)}


def host_ports(environ: Mapping[str, str]) -> dict[str, str]:
    """HOST_PORTS with the environment's values; a port that is not 1-65535 is a one-line SettingsError."""
    ports = {name: environ.get(name) or default for name, default in HOST_PORTS.items()}
    for name, port in ports.items():
        if not (port.isdigit() and 0 < int(port) < 65536):
            raise SettingsError(f"{name}={port!r} is not a port: export {name}=<1-65535> (default {HOST_PORTS[name]})")
    return ports


def shell_quote(value: str) -> str:
    """Quote `value` for a POSIX shell, always in single quotes."""
    return "'" + value.replace("'", "'\"'\"'") + "'"


def export_lines(values: Mapping[str, str]) -> list[str]:
    """`export NAME='value'` lines for every setting."""
    return [f"export {name}={shell_quote(value)}" for name, value in values.items()]


NUMERIC_SETTINGS = ("GATEWAY_TIMEOUT_MS", "HTTP_TIMEOUT", "EVENT_TIMEOUT", "HEALTH_TIMEOUT")


def robot_variables(environment: str, environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """The Robot Framework variables of `environment` (what `get_variables()` of a variable file returns).

    Timeouts become numbers; secrets, and URLs carrying a password, become `Secret`s. When a setting is
    missing or invalid, the variables returned hold only
    `ENVIRONMENT` and `SETTINGS_ERROR` (the one-line reason): the root suite setup
    (`Environment Should Be Safe For Tests`) fails with it before any request is sent.
    """
    try:
        values: dict[str, object] = dict(resolve(environment, environ))
        for name in NUMERIC_SETTINGS:
            values[name] = _number(name, str(values[name]))
    except SettingsError as error:
        return {"ENVIRONMENT": environment, "SETTINGS_ERROR": str(error)}
    values["SETTINGS_ERROR"] = ""
    for name, value in list(values.items()):
        if name in SECRET_NAMES or (name.endswith("_URL") and _has_password(str(value))):
            values[name] = _secret(str(value))
    return values


def read(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The value of setting `name` at run time, as text (see the module docstring for the order).

    Raises SettingsError (one line) for a name that is neither a setting nor set anywhere.
    """
    value = robot_variable(name)
    if value is not None and value != "":  # the common case: the variable file's value (no environment copy)
        return str(getattr(value, "value", value))
    environ = checkout_environ("local") if environ is None else environ
    value = environ.get(name, "").strip() or None
    if value is None:
        if name not in _BY_NAME:
            raise SettingsError(f"setting {name} is not defined: export {name}=<value> or run with -v {name}:<value>")
        value = _BY_NAME[name].local_default.format_map(host_ports(environ))
    return str(getattr(value, "value", value))


def robot_variable(name: str) -> object | None:
    """`${name}` of the running Robot Framework, None when unset or outside a run (stdlib users never import
    robot). Read from the variables of the current execution context (`robot.running.EXECUTION_CONTEXTS`,
    public): a dictionary lookup, where `BuiltIn.Get Variable Value` parses the name as Robot syntax first
    (a tenth of a robot process's CPU when every request reads its settings)."""
    if "robot" not in sys.modules:
        return None
    from robot.errors import DataError
    from robot.running import EXECUTION_CONTEXTS

    context = EXECUTION_CONTEXTS.current
    if context is None:
        return None
    try:
        return context.variables["${" + name + "}"]
    except DataError:
        return None


def _secret(value: str) -> object:
    """`value` as a Robot Framework `Secret` (7.4+): the log shows `<secret>` instead of the value."""
    from robot.api.types import Secret

    return Secret(value)


def _has_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def _number(name: str, text: str) -> int | float:
    try:
        number = float(text)
    except ValueError:
        raise SettingsError(f"{name}={text!r} is not a number: export {name}=<number>") from None
    return int(number) if number.is_integer() else number
