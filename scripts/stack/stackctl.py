"""Process mode of the local stack: the wallet stand-in and the gateway mock as background processes.

Called by `scripts/stack.sh` (never directly by users): `stackctl.py up|down|status|logs|health [service...]`.

- `up`: against the PostgreSQL and RabbitMQ already listening locally, creates what the wallet needs when
  missing (database, the wallet's own non-superuser role, vhost, the wallet's own RabbitMQ user and
  permissions, the management plugin), starts the requested services from the project's virtualenv with
  pid files and logs under `results/stack/`, and waits for `/health` = 200 with a bounded poll.
- `down`: stops only the processes whose pid files say we started them (checked against /proc).
- `status`: one line per requested service; exit 0 only when all of them are healthy.
- `logs`: the last lines of each service's log.
- `health`: only the HTTP checks of `status` (used in Docker mode).

Settings come from the environment (names of the project brief) with the local defaults. Secrets (JWT and
webhook keys, passwords inside URLs) are never printed. Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
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
    env = os.environ if env is None else env
    if name in STACK_DEFAULTS:
        return env.get(name, "").strip() or STACK_DEFAULTS[name]
    try:
        return read(name, env)
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


def _show(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# --------------------------------------------------------------------------------------------- services


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


def _listening_pid(port: int) -> str:
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
        return f"  (no log at {_show(service.log_file)})"
    header = f"  last {len(text)} lines of {_show(service.log_file)}:"
    return "\n".join([header, *(f"  | {line}" for line in text)])


# ------------------------------------------------------------------------------------- infrastructure


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


# ------------------------------------------------------------------------------------------ commands


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
                owner = _listening_pid(port)
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
    print(f"stack up in {elapsed:.1f} s: {summary}; logs under {_show(STATE_DIR)}/")
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
            owner = f", pid {pid}, log {_show(service.log_file)}"
        elif code is not None:
            owner = ", not started by this script"
        else:
            owner = ", not running"
    return code == 200, f"{service.name}: {state} at {service.url}{owner}"


def cmd_status(names: list[str], with_pid: bool = True) -> int:
    """One line per requested service (and the infrastructure); exit 0 only when all requested are healthy."""
    services = requested_services(names)
    ok = True
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


COMMANDS = {
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
    args = parser.parse_args(argv)
    try:
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
