"""Mutation testing of the suites: run them against mutated copies of the wallet stand-in.

`./run.sh mutants [--only ID ...] [--area AREA ...] [--jobs N] [options] [-- run.sh options / suite paths]`

1. Baseline: the UNMUTATED stand-in gets the same treatment as a mutant; every test must pass, otherwise
   the run stops (a red baseline makes every mutant look killed).
2. For each mutant (tests/mutants/mutants_catalog.py): copy services/wallet_api to a temp dir, apply its
   edits (a snippet that does not match exactly once stops the run), create its own PostgreSQL database and
   role and its own RabbitMQ vhost and user (all named `mut_<id>`), start the copy and a gateway mock on
   their own ports (18200-18299; WALLET_WEBHOOK_URL points at the copy), and run `./run.sh local` against
   them (stack skipped, pabot phase without `stress`/`destructive`, then the serial `destructive` phase),
   through a private symlinked checkout so that parallel runs never share pabot's `.pabotsuitenames`.
   Targeted phase first (default; off with --full or arguments after --): only the suites holding the
   tests tagged `rule:<the mutant's rule>` (`--suite` options); every suite only if the mutant survives them.
3. Failed tests are read from the run's output.xml (robot.api.ExecutionResult): any failure = KILLED,
   none = SURVIVED, no usable result (start failure, timeout, no tests) = ERROR (not counted).
4. Processes are stopped and the database, role, vhost and user dropped after every mutant, also on
   errors, timeouts and Ctrl-C.

Results: results/mutants/report.md (table, kill rate) and report.json; each run's files under
results/mutants/runs/<id>/ (wallet.log, mock.log; targeted/ and full/ with run.log and the robot results).
Exit status: 0 every mutant killed, 1 a mutant survived or errored, 2 bad input, 3 baseline not green,
130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from mutants_catalog import AREAS, MUTANTS  # noqa: E402
from mutants_patch import ROOT, Mutant, PatchError, apply_edits, build_mutated_copy  # noqa: E402

PORT_BASE = 18200
PORT_LAST = 18299
MAX_SLOTS = (PORT_LAST - PORT_BASE + 1) // 2
RESULTS = ROOT / "results" / "mutants"
BASELINE = "baseline"
HEALTH_DEADLINE_S = 60.0
STOP_GRACE_S = 12.0
POLL_S = 0.25
# Entries of the checkout a private run does not need (results are written elsewhere, pabot's state is per run).
SHADOW_SKIP = {"results", ".pabotsuitenames", ".git", ".pytest_cache", ".ruff_cache", ".robocop_cache"}
SHADOW_COPY = {"run.sh", "scripts"}
ID_RE = re.compile(r"[a-z0-9_]{1,40}")


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


# --------------------------------------------------------------------------------------------------- results


@dataclass
class Outcome:
    """What happened to one mutant (or the baseline)."""

    id: str
    area: str
    rule: str
    result: str  # KILLED, SURVIVED, ERROR, PASSED/FAILED (baseline)
    failed_tests: list[str] = field(default_factory=list)
    total: int = 0
    passed: int = 0
    detail: str = ""
    seconds: float = 0.0
    results_dir: str = ""
    phase: str = ""  # targeted (the suites of the mutant's rule) or full (every suite)


def read_output(output: Path) -> tuple[int, int, list[str]]:
    """(tests, passed, long names of the failed tests) of a Robot output.xml."""
    from robot.api import ExecutionResult, ResultVisitor

    class Collector(ResultVisitor):
        def __init__(self) -> None:
            self.total = 0
            self.passed = 0
            self.failed: list[str] = []

        def visit_test(self, test) -> None:
            self.total += 1
            if test.status == "PASS":
                self.passed += 1
            elif test.status == "FAIL":
                # Drop the top-level suite ("Suites"): "Validation.Amounts Are Integers" reads better.
                self.failed.append(test.longname.split(".", 1)[-1])

    collector = Collector()
    ExecutionResult(str(output)).visit(collector)
    return collector.total, collector.passed, collector.failed


# ------------------------------------------------------------------------------------------------------ a run


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


def rule_targets(source: Path = ROOT / "suites") -> dict[str, list[str]]:
    """Map each rule id to the suites (long names) whose tests carry the tag `rule:<id>` (parsed, not run)."""
    from robot.api import TestSuiteBuilder

    targets: dict[str, set[str]] = {}
    suite = TestSuiteBuilder(included_extensions=("robot",)).build(str(source))
    for test in suite.all_tests:
        for tag in test.tags:
            if str(tag).lower().startswith("rule:"):
                targets.setdefault(str(tag)[5:].strip().lower(), set()).add(test.parent.full_name)
    return {rule: sorted(names) for rule, names in targets.items()}


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


def run_suites(inst: Instance, opts: Options, args: list[str], results: Path) -> tuple[int | None, Path]:
    """`./run.sh local ARGS` against the instance (stack skipped) in a private checkout; (exit code, output.xml)."""
    shadow = inst.work / "checkout"
    if not shadow.exists():
        shadow_checkout(shadow)
    env = inst.env | {
        "ROOT": str(shadow),
        "RUN_CWD": os.getcwd(),
        "RESULTS_DIR": str(results),
        "RUN_ID": f"m{secrets.token_hex(3)}",
    }
    # --fail-on-flaky: a test that fails once against a mutant kills it, as before reruns existed
    command = ["bash", str(shadow / "run.sh"), "local", "--fail-on-flaky", "--processes", str(opts.processes), *args]
    results.mkdir(parents=True, exist_ok=True)
    runner = start(command, shadow, env, results / "run.log")
    try:
        code = wait_for(runner, time.monotonic() + opts.timeout)
    finally:
        stop(runner)
    return code, results / "local" / "latest" / "output.xml"


def judge(outcome: Outcome, mutant: Mutant | None, code: int | None, output: Path, results: Path) -> None:
    """Fill `outcome` from one suite run (verdict, tests, failed tests, problems)."""
    shown = results.relative_to(ROOT) if results.is_relative_to(ROOT) else results
    outcome.result, outcome.failed_tests, outcome.total, outcome.passed = "ERROR", [], 0, 0
    if code is None:
        outcome.detail = f"the {outcome.phase} suite run did not finish within --timeout (stopped)"
        return
    if not output.is_file():
        outcome.detail = f"run.sh exited {code} without output.xml (see {shown}/run.log)"
        say(f"{outcome.id}: {outcome.detail}\n{tail(results / 'run.log')}")
        return
    outcome.total, outcome.passed, outcome.failed_tests = read_output(output)
    outcome.detail = "run.sh's secret scan found a secret in the results" if code == 3 else ""
    if outcome.total == 0:
        outcome.result, outcome.detail = "ERROR", "no test ran"
    elif mutant is None:
        clean = not outcome.failed_tests and outcome.passed == outcome.total
        outcome.result = "PASSED" if clean else "FAILED"
    elif mutant.expect == "pass":  # a correct variant: any failure is a false failure of the suites
        outcome.result = "FALSE FAILURE" if outcome.failed_tests else "PASSED"
    else:
        outcome.result = "KILLED" if outcome.failed_tests else "SURVIVED"


def run_one(mutant: Mutant | None, slot: int, opts: Options) -> Outcome:
    """Start the (mutated) stand-in and a mock, run the suites against them, always clean up.

    A mutant first meets only the suites of its rule (targeted phase, when known); if it survives them it
    meets every suite (full phase). The verdict is the same as with the full phase alone, found sooner.
    """
    ident = mutant.id if mutant else BASELINE
    outcome = Outcome(ident, mutant.area if mutant else "-", mutant.rule if mutant else "-", "ERROR")
    out_dir = RESULTS / "runs" / ident
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    outcome.results_dir = str(out_dir.relative_to(ROOT))
    started = time.monotonic()
    targeted = opts.targets.get(mutant.rule, []) if mutant is not None and not opts.run_args else []
    try:
        with instance(mutant, slot, opts, out_dir) as inst:
            if targeted:
                outcome.phase = "targeted"
                args = [item for name in targeted for item in ("--suite", name)]
                code, output = run_suites(inst, opts, args, out_dir / "targeted")
                judge(outcome, mutant, code, output, out_dir / "targeted")
            # Full phase: no targeted phase, the mutant survived it, or it produced no result (not a timeout).
            if not targeted or outcome.result == "SURVIVED" or (outcome.result == "ERROR" and code is not None):
                outcome.phase = "full"
                code, output = run_suites(inst, opts, opts.run_args, out_dir / "full")
                judge(outcome, mutant, code, output, out_dir / "full")
    except InstanceError as exc:
        outcome.result, outcome.detail = "ERROR", str(exc)
    finally:
        outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


# ---------------------------------------------------------------------------------------------------- report


def short_rate(outcomes: list[Outcome]) -> tuple[int, int, int, str]:
    killed = sum(o.result == "KILLED" for o in outcomes)
    survived = sum(o.result == "SURVIVED" for o in outcomes)
    errors = sum(o.result == "ERROR" for o in outcomes)
    counted = killed + survived
    rate = f"{100.0 * killed / counted:.1f}%" if counted else "n/a"
    return killed, survived, errors, rate


def markdown(outcomes: list[Outcome], baseline: Outcome | None, run_args: list[str]) -> str:
    killed, survived, errors, rate = short_rate(outcomes)
    lines = ["# Mutation testing of the suites", ""]
    if baseline is not None:
        lines.append(
            f"Baseline (unmutated stand-in): {baseline.result}, {baseline.passed}/{baseline.total} tests passed "
            f"in {baseline.seconds:.0f} s."
        )
    if run_args:
        lines.append(f"run.sh arguments: `{' '.join(run_args)}`")
    lines += [
        "",
        f"**Kill rate: {killed}/{killed + survived} = {rate}** ({survived} survived, {errors} errors not counted)",
        "",
        "| # | mutant | area | rule | result | killed by (first tests) | time |",
        "|---|---|---|---|---|---|---|",
    ]
    for number, o in enumerate(outcomes, start=1):
        if o.result == "KILLED":
            more = len(o.failed_tests) - 3
            shown = ", ".join(o.failed_tests[:3]) + (f" (+{more})" if more > 0 else "")
        elif o.result == "ERROR":
            shown = o.detail
        else:
            shown = f"- ({o.total} tests passed)" if o.result == "SURVIVED" else ""
        shown = shown.replace("|", "\\|")
        verdict = f"{o.result} ({o.phase})" if o.result == "KILLED" and o.phase else o.result
        lines.append(f"| {number} | `{o.id}` | {o.area} | `{o.rule}` | {verdict} | {shown} | {o.seconds:.0f} s |")
    lines += [
        "",
        "KILLED (targeted): killed by the suites holding the tests tagged with the mutant's rule; otherwise every "
        "functional suite ran. Per-run results: `results/mutants/runs/<mutant>/{targeted,full}/local/latest/` "
        "(report.html, log.html), with wallet.log and mock.log beside them.",
    ]
    return "\n".join(lines) + "\n"


def write_report(outcomes: list[Outcome], baseline: Outcome | None, run_args: list[str]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = RESULTS / "report.md"
    report.write_text(markdown(outcomes, baseline, run_args), encoding="utf-8")
    killed, survived, errors, rate = short_rate(outcomes)
    summary = {
        "baseline": asdict(baseline) if baseline else None,
        "killed": killed,
        "survived": survived,
        "errors": errors,
        "kill_rate": rate,
        "mutants": [asdict(o) for o in outcomes],
    }
    (RESULTS / "report.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return report


# ------------------------------------------------------------------------------------------------------- CLI


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    if "--" in argv:
        cut = argv.index("--")
        own, run_args = argv[:cut], argv[cut + 1 :]
    else:
        own, run_args = argv, []
    parser = argparse.ArgumentParser(
        prog="./run.sh mutants",
        description="Run the suites against mutated copies of the wallet stand-in and report killed/surviving "
        "mutants. Everything after `--` goes to `./run.sh local` (robot options, suite paths).",
    )
    parser.add_argument("--only", nargs="+", metavar="ID", default=[], help="run only these mutants")
    parser.add_argument("--area", nargs="+", metavar="AREA", default=[], help=f"only these areas: {', '.join(AREAS)}")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run in parallel (default 1)")
    parser.add_argument(
        "--processes", type=int, default=0, help="pabot processes per run (default: 2 x CPU cores / jobs, >= 2)"
    )
    parser.add_argument("--timeout", type=float, default=2400.0, help="seconds for one suite run (default 2400)")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run the unmutated baseline first")
    parser.add_argument(
        "--full",
        action="store_true",
        help="run every suite against every mutant (default: first only the suites of the mutant's rule, then "
        "every suite if it survives them)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the mutated copies (temp dirs) for inspection")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    return parser.parse_args(own), run_args


def select(args: argparse.Namespace) -> list[Mutant]:
    known = {m.id: m for m in MUTANTS}
    unknown = [i for i in args.only if i not in known]
    if unknown:
        raise RunnerError(f"unknown mutant id(s) {', '.join(unknown)}: see `./run.sh mutants --list`")
    bad_areas = [a for a in args.area if a not in AREAS]
    if bad_areas:
        raise RunnerError(f"unknown area(s) {', '.join(bad_areas)}: use {', '.join(AREAS)}")
    chosen = [m for m in MUTANTS if (not args.only or m.id in args.only) and (not args.area or m.area in args.area)]
    if not chosen:
        raise RunnerError("no mutant selected by --only/--area")
    return chosen


def check_patches(mutants: list[Mutant]) -> None:
    """Every selected mutant must apply to the current stand-in before anything starts."""
    with tempfile.TemporaryDirectory(prefix="mut_check-") as tmp:
        base = build_mutated_copy(None, Path(tmp) / "pristine")
        for mutant in mutants:
            target = Path(tmp) / mutant.id
            shutil.copytree(base, target)
            try:
                apply_edits(mutant, target)
            except PatchError as exc:
                raise RunnerError(str(exc)) from None


def main(argv: list[str]) -> int:
    args, run_args = parse_args(argv)
    try:
        if args.jobs < 1 or args.jobs > MAX_SLOTS:
            raise RunnerError(f"--jobs must be between 1 and {MAX_SLOTS} (ports {PORT_BASE}-{PORT_LAST})")
        if args.processes < 0:
            raise RunnerError("--processes must be a positive integer")
        mutants = select(args)
        if args.list:
            for m in mutants:
                print(f"{m.id:40} {m.area:22} {m.rule:42} {m.description}")
            return 0
        check_patches(mutants)
        settings = load_settings()
        infra = Infrastructure(settings)
        infra.check()
    except RunnerError as exc:
        print(f"mutants: {exc}", file=sys.stderr)
        return 2
    processes = args.processes or max(2, (2 * (os.cpu_count() or 1)) // args.jobs)
    opts = Options(settings, infra, run_args, processes, args.timeout, args.keep, sys.executable)
    if not args.full and not run_args:
        try:
            opts.targets = rule_targets()
        except Exception as exc:  # the targeted phase is an optimisation: without it every suite runs
            say(f"warning: no targeted phase (the suites could not be parsed: {exc})")

    def on_term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    slots = Slots(args.jobs)
    outcomes: dict[str, Outcome] = {}
    baseline: Outcome | None = None
    began = time.monotonic()
    pool: ThreadPoolExecutor | None = None
    report_lock = threading.Lock()
    try:
        if not args.skip_baseline:
            say("baseline: the suites against the unmutated stand-in ...")
            with slots.take() as slot:
                baseline = run_one(None, slot, opts)
            say(f"baseline: {baseline.result} ({baseline.passed}/{baseline.total} passed, {baseline.seconds:.0f} s)")
            if baseline.result != "PASSED":
                why = baseline.detail or "failed: " + "; ".join(baseline.failed_tests[:10])
                say(
                    f"STOP: the baseline is not green ({why}). Every mutant would look killed: fix the suites or "
                    f"the stand-in first (results: {baseline.results_dir})."
                )
                write_report([], baseline, run_args)
                return 3
        say(f"{len(mutants)} mutants, {args.jobs} at a time, {processes} pabot processes each")

        def job(mutant: Mutant) -> Outcome:
            if STOP.is_set():
                return Outcome(mutant.id, mutant.area, mutant.rule, "ERROR", detail="interrupted before start")
            with slots.take() as slot:
                say(f"{mutant.id}: running (ports {PORT_BASE + 2 * slot}/{PORT_BASE + 2 * slot + 1}) ...")
                try:
                    result = run_one(mutant, slot, opts)
                except Interrupted:
                    return Outcome(mutant.id, mutant.area, mutant.rule, "ERROR", detail="interrupted")
            killers = ", ".join(result.failed_tests[:2])
            say(f"{mutant.id}: {result.result} {killers or result.detail} ({result.seconds:.0f} s)")
            with report_lock:  # the report so far, in catalog order: a long run can be followed (and survives)
                outcomes[mutant.id] = result
                write_report([outcomes[m.id] for m in mutants if m.id in outcomes], baseline, run_args)
            return result

        pool = ThreadPoolExecutor(max_workers=args.jobs, thread_name_prefix="mutant")
        futures = {m.id: pool.submit(job, m) for m in mutants}
        for ident, future in futures.items():
            while True:
                try:
                    outcomes[ident] = future.result(timeout=POLL_S * 4)
                    break
                except TimeoutError:
                    continue
        pool.shutdown(wait=True)
    except (KeyboardInterrupt, Interrupted):
        STOP.set()
        say("interrupted: stopping the running mutants and cleaning up ...")
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        ordered = [outcomes[m.id] for m in mutants if m.id in outcomes]
        if ordered:
            write_report(ordered, baseline, run_args)
        return 130
    ordered = [outcomes[m.id] for m in mutants]
    report = write_report(ordered, baseline, run_args)
    print()
    print(markdown(ordered, baseline, run_args))
    killed, survived, errors, rate = short_rate(ordered)
    minutes = (time.monotonic() - began) / 60
    say(f"kill rate {rate}: {killed} killed, {survived} survived, {errors} errors in {minutes:.1f} min; {report}")
    false = sum(o.result == "FALSE FAILURE" for o in ordered)
    if false:
        say(f"{false} correct variant(s) failed: the suites assume what the contract does not promise")
    return 0 if survived == 0 and errors == 0 and false == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
