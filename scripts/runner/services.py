"""The services a run uses: the local stack (started when needed, stopped after) and the preflight check.

Preflight: before any suite starts, every service the run will use is checked once, all at the same time and
within 2 s: the wallet (WALLET_API_URL) and the gateway mock (GATEWAY_MOCK_URL) accept connections, the
tests' database login works (DATABASE_URL, password included), the tests' RabbitMQ login and vhost work
(AMQP_URL), and, only when destructive tests will run, the RabbitMQ management API accepts
RABBITMQ_MANAGEMENT_USER/PASSWORD. The first problem is one line naming the setting and how to fix it.
`reachable()` (stdlib only) runs before the virtualenv exists; the logins need psycopg2 and pika from it.
"""

from __future__ import annotations

import base64
import fcntl
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from runner import ROOT

SERVICES = {"wallet-api": "WALLET_API_URL", "payment-gateway-mock": "GATEWAY_MOCK_URL"}
PORTS = {"http": 80, "https": 443, "postgresql": 5432, "postgres": 5432, "amqp": 5672, "amqps": 5671}
DEADLINE_S = 1.8
FIXES = {
    "WALLET_API_URL": "start the wallet there or fix WALLET_API_URL (local: unset it and run.sh starts the stand-in)",
    "GATEWAY_MOCK_URL": "start the mock there or fix GATEWAY_MOCK_URL (local: unset it and run.sh starts it)",
    "DATABASE_URL": "export DATABASE_URL=postgresql://USER:PASSWORD@HOST:PORT/DATABASE (a superuser that can log in)",
    "AMQP_URL": "export AMQP_URL=amqp://USER:PASSWORD@HOST:PORT/VHOST (a user with access to the wallet's vhost)",
    "RABBITMQ_MANAGEMENT_URL": "export RABBITMQ_MANAGEMENT_URL, _USER and _PASSWORD (the destructive tests need them)",
}


class ServiceError(Exception):
    """A service the run needs is not usable (one line; exit status 2)."""


def masked(url: str) -> str:
    return re.sub(r"(://[^:/@\s]*:)[^@/\s]*@", r"\1***@", url)


def _address(name: str, url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port or PORTS.get(parts.scheme, 0)
    except ValueError:
        port = 0
    if not parts.hostname or not port:
        raise ServiceError(f"{name}={masked(url)} is not a URL with a host and port: {FIXES[name]}")
    return parts.hostname, port


def reachable(name: str, url: str, timeout: float = DEADLINE_S) -> None:
    """Raise ServiceError when the address of setting `name` refuses or does not answer a connection."""
    host, port = _address(name, url)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except ConnectionRefusedError:
        raise ServiceError(f"{name}={masked(url)} refuses connections: {FIXES[name]}") from None
    except socket.gaierror:
        raise ServiceError(f"{name}={masked(url)}: host '{host}' not found: {FIXES[name]}") from None
    except OSError as error:
        why = "does not answer" if isinstance(error, TimeoutError) else str(error)
        raise ServiceError(f"{name}={masked(url)} {why} (within {timeout:g} s): {FIXES[name]}") from None


def _database(url: str) -> None:
    import psycopg2

    reachable("DATABASE_URL", url)
    try:
        psycopg2.connect(url, connect_timeout=2).close()
    except psycopg2.Error as error:
        reason = " ".join(str(error).split()).replace("FATAL: ", "")
        raise ServiceError(f"DATABASE_URL={masked(url)}: {reason}: {FIXES['DATABASE_URL']}") from None


def _broker(url: str) -> None:
    import pika
    from pika import exceptions

    reachable("AMQP_URL", url)
    parameters = pika.URLParameters(url)
    parameters.socket_timeout = parameters.stack_timeout = parameters.blocked_connection_timeout = DEADLINE_S
    parameters.connection_attempts = 1
    try:
        pika.BlockingConnection(parameters).close()
    except exceptions.ProbableAuthenticationError:
        reason = "RabbitMQ refused the login (user or password)"
    except exceptions.ProbableAccessDeniedError:
        reason = f"no access to the virtual host '{parameters.virtual_host}'"
    except exceptions.AMQPError as error:
        reason = f"RabbitMQ did not accept the connection ({type(error).__name__})"
    else:
        return
    raise ServiceError(f"AMQP_URL={masked(url)}: {reason}: {FIXES['AMQP_URL']}")


def _management(url: str, user: str, password: str) -> None:
    reachable("RABBITMQ_MANAGEMENT_URL", url)
    request = urllib.request.Request(url.rstrip("/") + "/api/whoami")  # noqa: S310 - the configured URL
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    try:
        urllib.request.urlopen(request, timeout=DEADLINE_S).close()  # noqa: S310
    except urllib.error.HTTPError as error:
        what = "refused RABBITMQ_MANAGEMENT_USER/_PASSWORD" if error.code == 401 else f"answered HTTP {error.code}"
        raise ServiceError(
            f"RABBITMQ_MANAGEMENT_URL={masked(url)} {what}: {FIXES['RABBITMQ_MANAGEMENT_URL']}"
        ) from None
    except OSError as error:
        raise ServiceError(
            f"RABBITMQ_MANAGEMENT_URL={masked(url)}: {error}: {FIXES['RABBITMQ_MANAGEMENT_URL']}"
        ) from None


ADDRESSES = ("WALLET_API_URL", "GATEWAY_MOCK_URL", "DATABASE_URL", "AMQP_URL")
MANAGEMENT = ("RABBITMQ_MANAGEMENT_URL",)


def preflight(env: dict[str, str], names: tuple[str, ...]) -> None:
    """Check the services of these settings at once; raise ServiceError with the first problem (fixed order)."""
    user, password = env.get("RABBITMQ_MANAGEMENT_USER", ""), env.get("RABBITMQ_MANAGEMENT_PASSWORD", "")
    known: dict[str, Callable[[], None]] = {
        "WALLET_API_URL": lambda: reachable("WALLET_API_URL", env["WALLET_API_URL"]),
        "GATEWAY_MOCK_URL": lambda: reachable("GATEWAY_MOCK_URL", env["GATEWAY_MOCK_URL"]),
        "DATABASE_URL": lambda: _database(env["DATABASE_URL"]),
        "AMQP_URL": lambda: _broker(env["AMQP_URL"]),
        "RABBITMQ_MANAGEMENT_URL": lambda: _management(env["RABBITMQ_MANAGEMENT_URL"], user, password),
    }
    checks = [(name, known[name]) for name in names]
    errors: dict[str, str] = {}

    def attempt(name: str, check: Callable[[], None]) -> None:
        try:
            check()
        except ServiceError as error:
            errors[name] = str(error)

    threads = [threading.Thread(target=attempt, args=check, daemon=True) for check in checks]
    deadline = time.monotonic() + DEADLINE_S + 0.1
    for thread in threads:
        thread.start()
    for (name, _check), thread in zip(checks, threads, strict=True):
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            errors.setdefault(name, f"{name}={masked(env[name])} does not answer within 2 s: {FIXES[name]}")
    for name, _check in checks:
        if name in errors:
            raise ServiceError(errors[name])


# ------------------------------------------------------------------------------------------- the local stack


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=1.0) as answer:  # noqa: S310
            return answer.status == 200
    except (OSError, ValueError):
        return False


def managed(user_set: set[str]) -> list[str]:
    """The stack services a local/ci run may start: STACK_SERVICES when set, else those whose URL the user left."""
    if os.environ.get("STACK_SERVICES", "").strip():
        return [name for name in SERVICES if name in os.environ["STACK_SERVICES"].split()]
    return [name for name, setting in SERVICES.items() if setting not in user_set]


def stack(command: str, services: list[str], say: Callable[[str], None], env: dict[str, str] | None = None) -> bool:
    """`scripts/stack.sh COMMAND SERVICES...` (with `env`, else the run's settings), its output passed to `say`;
    True when it succeeded."""
    env = {**(env or os.environ), "STACK_SERVICES": " ".join(services)}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "stack.sh"), command, *services],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        say(line)
    return done.returncode == 0


def say_whose_stack(environment: str, say: Callable[[str], None]) -> None:
    """On local and ci, when this checkout's stack is one of its own (another checkout holds the default ports and
    names, or LOCAL_STACK=own), say so in one line: which checkout, ports and database (variables/_checkout.py)."""
    from variables import _checkout

    if environment in ("local", "ci") and not _checkout.owns_defaults():
        say(_checkout.describe({name: masked(value) for name, value in os.environ.items()}))


def stack_mode() -> str:
    """How `./run.sh stack up` runs the stack: STACK_MODE, else docker when a Docker engine answers, else process."""
    mode = os.environ.get("STACK_MODE", "").strip() or "auto"
    if mode != "auto" or not shutil.which("docker"):
        return "process" if mode == "auto" else mode
    try:
        answered = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        answered = False
    return "docker" if answered else "process"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _moved(url: str, name: str, user: str | None = None) -> str:
    """The URL on the database/vhost `name`, optionally as user `user` (password the same)."""
    parts = urlsplit(url)
    netloc = parts.netloc if user is None else f"{user}:{user}@{parts.netloc.rsplit('@', 1)[-1]}"
    return urlunsplit((parts.scheme, netloc, f"/{name}", parts.query, parts.fragment))


def private_stack(name: str, state_dir: Path) -> dict[str, str]:
    """The settings of a stack of our own in process mode: the stand-in and the mock on free ports, database,
    vhost, wallet role and RabbitMQ user `name` (created by `stack up` when missing), pid files and logs in
    `state_dir`. Nothing of it is shared with the local stack or another run's; its database starts empty."""
    from variables._settings import resolve

    local = resolve("local", {})
    wallet, mock = f"http://127.0.0.1:{_free_port()}", f"http://127.0.0.1:{_free_port()}"
    return {
        "WALLET_API_URL": wallet,
        "GATEWAY_MOCK_URL": mock,
        "GATEWAY_URL": mock,
        "WALLET_WEBHOOK_URL": f"{wallet}/v1/webhooks/payment-gateway",
        "DATABASE_URL": _moved(local["DATABASE_URL"], name),
        "WALLET_DATABASE_URL": _moved(local["WALLET_DATABASE_URL"], name, name),
        "AMQP_URL": _moved(local["AMQP_URL"], name),
        "WALLET_AMQP_URL": _moved(local["WALLET_AMQP_URL"], name, name),
        "RABBITMQ_VHOST": name,
        "WALLET_DB_ROLE": name,
        "WALLET_AMQP_USER": name,
        "STACK_SERVICES": " ".join(SERVICES),
        "STACK_STATE_DIR": str(state_dir),
        "STACK_MODE": "process",
        "STACK_FRESH_DATABASE": "yes",  # every run starts from an empty database: its checks never scan old runs' rows
    }


def claim(name: str):
    """This machine's claim on the private stack `name` (its database, role, vhost and user are shared by name
    with every checkout): the open lock file (close it to release), None while another run holds it."""
    handle = open(Path(tempfile.gettempdir()) / f"{name}.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle
