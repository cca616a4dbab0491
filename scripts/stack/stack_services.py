"""The services the stack starts and our processes: the environment each gets (contract section 1 for the
wallet), pid files checked against /proc, start, stop (TERM, then KILL of the process group) and log tails.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from stack_base import (
    POLL_INTERVAL_S,
    ROOT,
    SERVICE_NAMES,
    STATE_DIR,
    StackError,
    host_port,
    setting,
    shown,
)


@dataclass
class Service:
    """One service this script can start: where it lives, where it answers, and its environment."""

    name: str
    module: str
    url: str
    url_setting: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return ROOT / "services" / self.module

    @property
    def pid_file(self) -> Path:
        return STATE_DIR / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return STATE_DIR / f"{self.name}.log"

    @property
    def health_url(self) -> str:
        return self.url.rstrip("/") + "/health"

    @property
    def address(self) -> tuple[str, int]:
        return host_port(self.url, self.url_setting)


def build_services() -> dict[str, Service]:
    """Both services with the environment contract section 1 (wallet) and the mock's README define."""
    wallet_url = setting("WALLET_API_URL")
    mock_url = setting("GATEWAY_MOCK_URL")
    wallet_host, wallet_port = host_port(wallet_url, "WALLET_API_URL")
    mock_host, mock_port = host_port(mock_url, "GATEWAY_MOCK_URL")
    host_port(setting("GATEWAY_URL"), "GATEWAY_URL")
    host_port(setting("WALLET_WEBHOOK_URL"), "WALLET_WEBHOOK_URL")
    wallet = Service(
        "wallet-api",
        "wallet_api",
        wallet_url,
        "WALLET_API_URL",
        {
            "HOST": "127.0.0.1" if wallet_host in ("localhost", "127.0.0.1") else wallet_host,
            "PORT": str(wallet_port),
            "DATABASE_URL": setting("WALLET_DATABASE_URL"),
            "AMQP_URL": setting("WALLET_AMQP_URL"),
            "GATEWAY_URL": setting("GATEWAY_URL"),
            "GATEWAY_TIMEOUT_MS": setting("GATEWAY_TIMEOUT_MS"),
            "JWT_SECRET": setting("JWT_SECRET"),
            "GATEWAY_WEBHOOK_SECRET": setting("GATEWAY_WEBHOOK_SECRET"),
            "SUPPORTED_CURRENCIES": setting("SUPPORTED_CURRENCIES"),
        },
    )
    mock = Service(
        "payment-gateway-mock",
        "payment_gateway_mock",
        mock_url,
        "GATEWAY_MOCK_URL",
        {
            "HOST": "127.0.0.1" if mock_host in ("localhost", "127.0.0.1") else mock_host,
            "PORT": str(mock_port),
            "WALLET_WEBHOOK_URL": setting("WALLET_WEBHOOK_URL"),
            "GATEWAY_WEBHOOK_SECRET": setting("GATEWAY_WEBHOOK_SECRET"),
        },
    )
    return {wallet.name: wallet, mock.name: mock}


def requested_services(names: list[str]) -> list[Service]:
    """The services named on the command line, else those of STACK_SERVICES (default: both)."""
    wanted = names or setting("STACK_SERVICES").split()
    unknown = [n for n in wanted if n not in SERVICE_NAMES]
    if unknown:
        raise StackError(
            f"unknown service {' '.join(unknown)!r} in STACK_SERVICES/arguments: use a subset of "
            f"'{' '.join(SERVICE_NAMES)}'",
            code=2,
        )
    services = build_services()
    return [services[n] for n in SERVICE_NAMES if n in wanted]


# ------------------------------------------------------------------------------------- our processes


def _proc_start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (start time in clock ticks), None when the pid is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def _is_our_process(service: Service, pid: int, start_time: str) -> bool:
    """The pid still runs `python -m <module>` in the service folder and started when the pid file says."""
    if _proc_start_time(pid) != start_time:
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return False
    runs_module = any(a == b"-m" and b == service.module.encode() for a, b in itertools.pairwise(argv))
    return runs_module and Path(cwd) == service.folder


def our_pid(service: Service) -> int | None:
    """The pid of the process we started for this service, when it still runs; None otherwise."""
    try:
        pid_text, start_time = service.pid_file.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    return pid if _is_our_process(service, pid, start_time) else None


def listening_pid(port: int) -> str:
    """Best-effort description of the process listening on a local TCP port (for error messages)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(cols[9])
    if not inodes:
        return ""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                    return f"pid {proc.name}: {cmd[:80]}"
    return ""


def _group_alive(pgid: int) -> bool:
    """True while a process of the group still runs (zombies waiting for their reaper do not count)."""
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def _reap(pid: int) -> None:
    """Collect the exit status when the pid is our own child (a zombie would otherwise look alive)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _wait_gone(pid: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        _reap(pid)
        if _proc_start_time(pid) is None and not _group_alive(pid):
            return True
        time.sleep(POLL_INTERVAL_S)
    return _proc_start_time(pid) is None and not _group_alive(pid)


def stop_process(service: Service, pid: int, stop_timeout: float) -> str:
    """TERM the process group we started (its leader is `pid`), wait boundedly, then KILL it."""
    is_leader = os.getpgid(pid) == pid
    send = (lambda sig: os.killpg(pid, sig)) if is_leader else (lambda sig: os.kill(pid, sig))
    with contextlib.suppress(ProcessLookupError):
        send(signal.SIGTERM)
    if _wait_gone(pid, time.monotonic() + stop_timeout):
        return f"{service.name}: stopped (pid {pid})"
    with contextlib.suppress(ProcessLookupError):
        send(signal.SIGKILL)
    if _wait_gone(pid, time.monotonic() + 5):
        return f"{service.name}: killed after {stop_timeout:g} s without exiting on TERM (pid {pid})"
    raise StackError(f"{service.name}: pid {pid} survived SIGKILL; check it with `ps -o pid,stat,cmd -p {pid}`")


def venv_python() -> Path:
    """The interpreter of the project's virtualenv (STACK_PYTHON overrides it)."""
    override = os.environ.get("STACK_PYTHON", "").strip()
    python = Path(override) if override else ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        raise StackError(
            f"no Python at {python}: create the project's virtualenv (python3 -m venv .venv && .venv/bin/pip install "
            "-r requirements.txt -r services/wallet_api/requirements.txt "
            "-r services/payment_gateway_mock/requirements.txt) or set STACK_PYTHON"
        )
    return python


def start_process(service: Service, python: Path) -> subprocess.Popen[bytes]:
    """Start `python -m <module>` in the service folder in its own session; write the pid file."""
    if not (service.folder / service.module / "__main__.py").exists():
        raise StackError(f"{service.name}: {service.folder.relative_to(ROOT)}/{service.module}/__main__.py is missing")
    env = dict(os.environ)
    env.update(service.env)
    env["PYTHONUNBUFFERED"] = "1"
    with service.log_file.open("wb") as log:
        process = subprocess.Popen(
            [str(python), "-m", service.module],
            cwd=service.folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    start_time = _proc_start_time(process.pid) or "0"
    service.pid_file.write_text(f"{process.pid} {start_time}\n")
    return process


def log_tail(service: Service, lines: int) -> str:
    """The last lines of a service's log, indented, for failure messages."""
    try:
        text = service.log_file.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"  (no log at {shown(service.log_file)})"
    header = f"  last {len(text)} lines of {shown(service.log_file)}:"
    return "\n".join([header, *(f"  | {line}" for line in text)])
