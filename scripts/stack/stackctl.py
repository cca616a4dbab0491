"""Process mode of the local stack: the wallet stand-in and the gateway mock as background processes.

Called by `scripts/stack.sh` (never directly by users): `stackctl.py up|down|status|logs|reset|health [service...]`.

- `up`: against the PostgreSQL and RabbitMQ already listening locally, creates what the wallet needs when
  missing (database, the wallet's own non-superuser role, vhost, the wallet's own RabbitMQ user and
  permissions, the management plugin), starts the requested services from the project's virtualenv with
  pid files and logs under `results/stack/`, and waits for `/health` = 200 with a bounded poll.
- `down`: stops only the processes whose pid files say we started them (checked against /proc).
- `status`: one line per requested service; exit 0 only when all of them are healthy.
- `logs`: the last lines of each service's log.
- `reset [--yes]`: empties the wallet's database (asks first on a terminal; refuses without one unless --yes).
- `health`: only the HTTP checks of `status` (used in Docker mode).

Settings come from the environment (names of the project brief) with the local defaults. Secrets (JWT and
webhook keys, passwords inside URLs) are never printed. Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from stack_base import (
    LOCAL_HOSTS,
    POLL_INTERVAL_S,
    SERVICE_NAMES,
    STATE_DIR,
    StackError,
    db_name,
    host_port,
    http_status,
    int_setting,
    port_open,
    redact,
    setting,
    shown,
    whose,
)
from stack_provision import Management, check_infrastructure, provision_database, provision_rabbitmq
from stack_services import (
    Service,
    build_services,
    listening_pid,
    log_tail,
    our_pid,
    requested_services,
    start_process,
    stop_process,
    venv_python,
)


@contextlib.contextmanager
def state_lock() -> Iterator[None]:
    """Serialise concurrent up/down calls on this checkout."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with (STATE_DIR / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _poll_healthy(pending: dict[str, tuple[Service, subprocess.Popen[bytes] | None]], deadline: float) -> None:
    """Wait for every pending service's /health = 200; fail fast when one of our processes exits."""
    last: dict[str, int | None] = {}
    while pending:
        for name, (service, process) in list(pending.items()):
            exited = process.poll() if process is not None else (None if our_pid(service) else -1)
            if exited is not None:
                raise StackError(
                    f"{name} exited with code {exited} before it became healthy",
                    log_tail(service, int_setting("STACK_LOG_LINES", 1, 10_000)),
                )
            last[name] = http_status(service.health_url, timeout=1.0)
            if last[name] == 200:
                del pending[name]
        if not pending:
            return
        if time.monotonic() >= deadline:
            name, (service, _) = next(iter(pending.items()))
            answer = "no answer" if last.get(name) is None else f"HTTP {last[name]}"
            raise StackError(
                f"{name} did not become healthy within {setting('HEALTH_TIMEOUT')} s "
                f"(last GET {service.health_url}: {answer})",
                log_tail(service, int_setting("STACK_LOG_LINES", 1, 10_000)),
            )
        time.sleep(POLL_INTERVAL_S)


def cmd_up(names: list[str]) -> int:
    """Start what is requested and not yet running; a no-op that says so when everything is healthy."""
    started_at = time.monotonic()
    deadline = started_at + int_setting("HEALTH_TIMEOUT", 1, 3600)
    stop_timeout = int_setting("STACK_STOP_TIMEOUT", 1, 600)
    services = requested_services(names)
    with state_lock():
        running: dict[str, Service] = {}
        to_start: list[Service] = []
        for service in services:
            if our_pid(service):
                running[service.name] = service
                continue
            service.pid_file.unlink(missing_ok=True)
            host, port = service.address
            if host not in LOCAL_HOSTS:
                raise StackError(
                    f"{service.name}: {service.url_setting} points at {host}, not this machine; the stack only starts "
                    f"services locally (remove {service.name} from STACK_SERVICES to use that one)",
                    code=2,
                )
            if port_open(host, port):
                owner = listening_pid(port)
                raise StackError(
                    f"{service.name}: port {port} is already taken by another process"
                    f"{' (' + owner + ')' if owner else ''}, not started by this script: stop it, or change "
                    f"{service.url_setting}, or remove {service.name} from STACK_SERVICES"
                )
            to_start.append(service)
        healthy_already = [s for s in running.values() if http_status(s.health_url) == 200]
        if not to_start and len(healthy_already) == len(services):
            print(
                "stack already up (nothing to do): " + ", ".join(f"{s.name} {s.url} pid {our_pid(s)}" for s in services)
            )
            return 0
        created: list[str] = []
        if any(s.name == "wallet-api" for s in to_start):
            check_infrastructure()
            created += provision_database()
            created += provision_rabbitmq(deadline)
        if created:
            print("created: " + ", ".join(created))
        python = venv_python() if to_start else Path(sys.executable)
        pending: dict[str, tuple[Service, subprocess.Popen[bytes] | None]] = {
            name: (service, None) for name, service in running.items()
        }
        started: list[tuple[Service, subprocess.Popen[bytes]]] = []
        try:
            for service in to_start:
                process = start_process(service, python)
                started.append((service, process))
                pending[service.name] = (service, process)
            _poll_healthy(pending, deadline)
        except BaseException:
            for service, process in started:
                if process.poll() is None:
                    stop_process(service, process.pid, stop_timeout)
                    process.wait(timeout=5)
                service.pid_file.unlink(missing_ok=True)
            raise
    elapsed = time.monotonic() - started_at
    summary = ", ".join(f"{s.name} {s.url} (pid {our_pid(s)})" for s in services)
    print(f"stack up in {elapsed:.1f} s: {summary}; logs under {shown(STATE_DIR)}/")
    print(whose())
    return 0


def cmd_down(names: list[str]) -> int:
    """Stop the named services, or every service this script started (whatever STACK_SERVICES says).

    Only processes recorded in our pid files and still matching them are stopped; others are left alone.
    """
    stop_timeout = int_setting("STACK_STOP_TIMEOUT", 1, 600)
    services = build_services()
    unknown = [n for n in names if n not in SERVICE_NAMES]
    if unknown:
        raise StackError(f"unknown service {' '.join(unknown)!r}: use a subset of '{' '.join(SERVICE_NAMES)}'", code=2)
    with state_lock():
        for service in services.values():
            if names and service.name not in names:
                continue
            if not service.pid_file.exists():
                print(f"{service.name}: not running (no pid file)")
                continue
            pid = our_pid(service)
            if pid is None:
                service.pid_file.unlink(missing_ok=True)
                print(f"{service.name}: not running (stale pid file removed)")
                continue
            print(stop_process(service, pid, stop_timeout))
            service.pid_file.unlink(missing_ok=True)
    return 0


def _service_line(service: Service, with_pid: bool) -> tuple[bool, str]:
    code = http_status(service.health_url)
    pid = our_pid(service) if with_pid else None
    if code == 200:
        state = "healthy"
    elif code is None:
        state = "not answering"
    else:
        state = f"unhealthy (HTTP {code})"
    owner = ""
    if with_pid:
        if pid:
            owner = f", pid {pid}, log {shown(service.log_file)}"
        elif code is not None:
            owner = ", not started by this script"
        else:
            owner = ", not running"
    return code == 200, f"{service.name}: {state} at {service.url}{owner}"


def cmd_status(names: list[str], with_pid: bool = True) -> int:
    """One line per requested service (and the infrastructure); exit 0 only when all requested are healthy."""
    services = requested_services(names)
    ok = True
    if with_pid:
        print(whose())
    for service in services:
        healthy, line = _service_line(service, with_pid)
        ok = ok and healthy
        print(line)
    if with_pid:
        for label, name in (("postgresql", "WALLET_DATABASE_URL"), ("rabbitmq", "WALLET_AMQP_URL")):
            host, port = host_port(setting(name), name)
            print(f"{label}: {'listening' if port_open(host, port) else 'NOT listening'} on {host}:{port}")
        mgmt = Management()
        print(f"rabbitmq management: {'answering' if mgmt.answers() else 'NOT answering'} at {redact(mgmt.base)}")
    return 0 if ok else 1


def cmd_logs(names: list[str]) -> int:
    """The last STACK_LOG_LINES lines of each requested service's log."""
    lines = int_setting("STACK_LOG_LINES", 1, 100_000)
    for service in requested_services(names):
        print(f"== {service.name} ==")
        print(log_tail(service, lines))
    return 0


def confirm(question: str, yes: bool) -> None:
    """Ask `question` (y/N) on the terminal unless `yes`; no terminal to ask on is bad input (exit 2)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise StackError(
            "stack reset asks first and there is no terminal to ask on: run './run.sh stack reset --yes'", code=2
        )
    if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
        raise StackError("stack reset: nothing done (not confirmed)")


def cmd_reset(names: list[str], yes: bool = False) -> int:
    """Empty the local stack's database: stop our wallet, drop and create its database again, start the wallet
    again when it ran (the stand-in creates its schema on start). Only a database on this machine."""
    if names:
        raise StackError("stack reset takes no service names: it empties the wallet's database", code=2)
    for name in ("DATABASE_URL", "WALLET_DATABASE_URL"):
        host = host_port(setting(name), name)[0]
        if host not in LOCAL_HOSTS:
            raise StackError(f"stack reset empties only a database on this machine; {name} points at {host}", code=2)
    wallet = build_services()["wallet-api"]
    running = our_pid(wallet) is not None
    if not running and http_status(wallet.health_url) is not None:
        raise StackError(
            f"a wallet this checkout's stack did not start answers at {wallet.url} and uses the database: stop it first"
        )
    database = db_name(setting("WALLET_DATABASE_URL"))
    confirm(f"Empty the database {database} of the local stack (every row of every earlier run)?", yes)
    if running:
        cmd_down(["wallet-api"])
    check_infrastructure()
    os.environ["STACK_FRESH_DATABASE"] = "yes"  # provision_database drops it first
    with state_lock():
        provision_database()
    print(f"reset: database {database} dropped and created again (empty)")
    if running:
        cmd_up(["wallet-api"])
        print("reset: wallet-api started again (it created its schema)")
    return 0


COMMANDS = {
    "reset": cmd_reset,
    "up": cmd_up,
    "down": cmd_down,
    "status": cmd_status,
    "logs": cmd_logs,
    "health": lambda names: cmd_status(names, with_pid=False),
}


def main(argv: list[str]) -> int:
    """Parse the command line, run the command, turn StackError into one line on stderr."""
    parser = argparse.ArgumentParser(prog="stack.sh", description="Process mode of the local stack.")
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("services", nargs="*", help=f"subset of: {' '.join(SERVICE_NAMES)}")
    parser.add_argument("--yes", action="store_true", help="reset: do not ask first")
    args = parser.parse_args(argv)
    try:
        if args.command == "reset":
            return cmd_reset(args.services, args.yes)
        return COMMANDS[args.command](args.services)
    except StackError as error:
        print(f"error: {error.line}", file=sys.stderr)
        if error.detail:
            print(error.detail, file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
