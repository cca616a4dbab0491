"""One running stand-in (mutated or not) with its gateway mock, database, role, vhost and user, on a pair of
ports of its slot, and a private view of the checkout to run the suites in."""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mutants_infra import (
    POLL_S,
    STOP,
    Infrastructure,
    Interrupted,
    Settings,
    http_status,
    port_free,
    say,
    start,
    stop,
    tail,
    with_path,
)
from mutants_patch import ROOT, Mutant, PatchError, build_mutated_copy

PORT_BASE = 18200
PORT_LAST = 18299
MAX_SLOTS = (PORT_LAST - PORT_BASE + 1) // 2
BASELINE = "baseline"
HEALTH_DEADLINE_S = 60.0
# Entries of the checkout a private run does not need (results are written elsewhere, pabot's state is per run).
SHADOW_SKIP = {"results", ".pabotsuitenames", ".git", ".pytest_cache", ".ruff_cache", ".robocop_cache"}
SHADOW_COPY = {"run.sh", "scripts"}


@dataclass
class Options:
    settings: Settings
    infra: Infrastructure
    run_args: list[str]
    processes: int
    timeout: float
    keep: bool
    python: str
    # rule id -> long names of the suites holding tests tagged rule:<id> (empty: no targeted phase)
    targets: dict[str, list[str]] = field(default_factory=dict)


class Slots:
    """Port pairs 18200+2k (wallet) / 18201+2k (mock), one per concurrently running mutant."""

    def __init__(self, count: int) -> None:
        self._free: queue.Queue[int] = queue.Queue()
        for slot in range(count):
            self._free.put(slot)

    @contextlib.contextmanager
    def take(self) -> Iterator[int]:
        slot = self._free.get()
        try:
            yield slot
        finally:
            self._free.put(slot)


def shadow_checkout(destination: Path) -> Path:
    """A private view of the checkout so that pabot's `.pabotsuitenames` is per run.

    Everything is symlinked except the shell entry points (`run.sh`, `scripts/`), which are copied: bash
    reads a script while it runs, so an edit of the checkout during a long run would break it.
    """
    destination.mkdir(parents=True)
    for entry in ROOT.iterdir():
        if entry.name in SHADOW_SKIP:
            continue
        if entry.name in SHADOW_COPY:
            if entry.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(entry, destination / entry.name, symlinks=True, ignore=ignore)
            else:
                shutil.copy2(entry, destination / entry.name)
        else:
            (destination / entry.name).symlink_to(entry)
    return destination


class InstanceError(Exception):
    """The (mutated) stand-in or its mock could not be set up or did not become healthy (one line)."""


@dataclass
class Instance:
    """A running (mutated) stand-in + gateway mock with their own database, role, vhost and user."""

    name: str
    wallet_url: str
    mock_url: str
    work: Path
    logs: Path
    env: dict[str, str]  # the settings the suites need to test this instance (run.sh's environment)


@contextlib.contextmanager
def instance(mutant: Mutant | None, slot: int, opts: Options, logs: Path) -> Iterator[Instance]:
    """Set up and start the stand-in (mutated by `mutant`, None: unmutated) and a mock; always tear down.

    Raises InstanceError (setup failed, a process exited, /health not 200 in time), Interrupted (STOP set).
    """
    ident = mutant.id if mutant else BASELINE
    name = f"mut_{ident}"
    wallet_port, mock_port = PORT_BASE + 2 * slot, PORT_BASE + 2 * slot + 1
    busy = [p for p in (wallet_port, mock_port) if not port_free(p)]
    if busy:
        raise InstanceError(f"port(s) {busy} already in use by another process")
    password = secrets.token_hex(12)
    work = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    processes: list[subprocess.Popen[bytes]] = []
    created = False
    try:
        try:
            code = build_mutated_copy(mutant, work / "wallet_api")
            opts.infra.create(name, password)
            created = True
        except PatchError as exc:
            raise InstanceError(str(exc)) from None
        except (OSError, RuntimeError) as exc:
            raise InstanceError(f"{type(exc).__name__}: {exc}") from None
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg"):
                raise InstanceError(f"PostgreSQL: {(str(exc).strip().splitlines() or ['?'])[0]}") from None
            raise
        s = opts.settings
        wallet_url, mock_url = f"http://127.0.0.1:{wallet_port}", f"http://127.0.0.1:{mock_port}"
        wallet_db = with_path(s.admin_dsn, name, f"{name}:{password}")
        wallet_amqp = with_path(s.amqp_url, name, f"{name}:{password}")
        base = {k: v for k, v in os.environ.items() if not k.startswith("PABOT")}
        base["PYTHONUNBUFFERED"] = "1"
        webhook_url = f"{wallet_url}/v1/webhooks/payment-gateway"
        mock_env = base | {
            "HOST": "127.0.0.1",
            "PORT": str(mock_port),
            "WALLET_WEBHOOK_URL": webhook_url,
            "GATEWAY_WEBHOOK_SECRET": s.webhook_secret,
        }
        wallet_env = base | {
            "HOST": "127.0.0.1",
            "PORT": str(wallet_port),
            "DATABASE_URL": wallet_db,
            "AMQP_URL": wallet_amqp,
            "GATEWAY_URL": mock_url,
            "GATEWAY_TIMEOUT_MS": s.gateway_timeout_ms,
            "JWT_SECRET": s.jwt_secret,
            "GATEWAY_WEBHOOK_SECRET": s.webhook_secret,
            "SUPPORTED_CURRENCIES": s.currencies,
            # A warm pool from the start (the stand-in's default is 2): concurrency defects (unlocked reads)
            # then show on the first burst of parallel requests, not only once the pool has grown.
            "DB_POOL_MIN_SIZE": "10",
            # A unit of work waits at most 1 s for a database connection (the stand-in's default is 5 s): the
            # outage run's database cut (model/faults.py DB_CUT_S) then outlasts the wait of a command in flight.
            "DB_POOL_TIMEOUT_MS": "1000",
        }
        mock_dir = ROOT / "services" / "payment_gateway_mock"
        mock = start([opts.python, "-m", "payment_gateway_mock"], mock_dir, mock_env, logs / "mock.log")
        processes.append(mock)
        wallet = start([opts.python, "-m", "wallet_api"], code, wallet_env, logs / "wallet.log")
        processes.append(wallet)
        pending = {"wallet": (wallet, wallet_url, "wallet.log"), "gateway mock": (mock, mock_url, "mock.log")}
        deadline = time.monotonic() + HEALTH_DEADLINE_S
        while pending:
            for label, (process, url, log) in list(pending.items()):
                if process.poll() is not None:
                    say(f"{ident}: the {label} exited early; its log:\n{tail(logs / log)}")
                    raise InstanceError(f"the {label} exited with code {process.returncode} before /health was 200")
                if http_status(f"{url}/health", timeout=1.0) == 200:
                    del pending[label]
            if STOP.is_set():
                raise Interrupted
            if pending and time.monotonic() >= deadline:
                raise InstanceError(f"{', '.join(pending)} not healthy within {HEALTH_DEADLINE_S:g} s")
            if pending:
                time.sleep(POLL_S)
        env = base | {
            "WALLET_API_URL": wallet_url,
            "GATEWAY_MOCK_URL": mock_url,
            "GATEWAY_URL": mock_url,
            "WALLET_WEBHOOK_URL": webhook_url,
            "DATABASE_URL": with_path(s.admin_dsn, name),
            "WALLET_DATABASE_URL": wallet_db,
            "AMQP_URL": with_path(s.amqp_url, name),
            "WALLET_AMQP_URL": wallet_amqp,
            "RABBITMQ_VHOST": name,
            "WALLET_DB_ROLE": name,
            "WALLET_AMQP_USER": name,
            "GATEWAY_TIMEOUT_MS": s.gateway_timeout_ms,
            "JWT_SECRET": s.jwt_secret,
            "GATEWAY_WEBHOOK_SECRET": s.webhook_secret,
            "SUPPORTED_CURRENCIES": s.currencies,
        }
        yield Instance(name, wallet_url, mock_url, work, logs, env)
    finally:
        for process in reversed(processes):
            stop(process)
        if created:
            for problem in opts.infra.drop(name):
                say(f"warning: {problem}")
        if opts.keep:
            say(f"{ident}: kept the mutated copy at {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
