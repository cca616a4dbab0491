"""Robot Framework library of the stress tests: runs a Locust load profile, then checks speed and money.

Flow (one load run per suite, see `suites/stress/` and `resources/stress.resource`):

1. `Prepare Load Run` resolves the profile (`stress/profiles.py`) with the `STRESS_*` overrides, the
   thresholds (`STRESS_THRESHOLDS`) and a run id that prefixes every owner id of the load.
2. EventBus's `Start Listening For Events` binds its queue to `wallet.events` before the first request.
3. `Run Load Profile` runs Locust headless as subprocesses (one process, or a master and
   `STRESS_WORKERS` workers on loopback) with a hard timeout; CSV, HTML report and logs go under
   `<folder of the final log.html>/stress/<run id>/` (see `report_root`) and are linked from log.html.
4. Threshold keywords read Locust's stats CSV: p95/p99 per endpoint, error rate, throughput.
5. Money keywords look at every wallet whose owner id starts with the run id (contract section 6):
   each wallet through the Ledger library's `Ledger Should Reconcile` (balance = ledger sum, no negative
   balance, transfer legs, outbox rows), deposits - withdrawals (+ credits) against the total balance
   change and against what the API told the clients, and exactly one event on the bus (contract
   section 7) per committed change.

Secrets (`JWT_SECRET`, passwords inside URLs) reach the Locust processes through their environment
only; they are never on a command line nor logged. Locust itself mints the owners' tokens.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
from _contract import event_contract
from _support import run_id, scrub, setting, setting_seconds
from Ledger import Ledger
from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

REPO_ROOT = Path(__file__).resolve().parent.parent
STRESS_DIR = REPO_ROOT / "stress"
LOCUSTFILE = STRESS_DIR / "locustfile.py"
STOP_TIMEOUT_S = 10  # Locust lets each user finish its current action for up to this long at the end
WORKER_READY_S = 60  # how long the master waits for its workers
QUIET_WINDOW_S = 2.0  # listening on after the last expected event, to see late duplicates
RECONCILE_BUDGET = 400  # transactions per Ledger Should Reconcile call (its outbox matching grows with their square)


def _load_profiles() -> ModuleType:
    """`stress/profiles.py`, shared with the locustfile (loaded by path: `stress/` is not a package)."""
    name = "stress_profiles"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, STRESS_DIR / "profiles.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {STRESS_DIR / 'profiles.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


profiles = _load_profiles()


# ================================================================ thresholds (pure, tested by tests/stress)
def read_stats_csv(path: str | Path) -> dict[str, dict[str, str]]:
    """Rows of Locust's `<prefix>_stats.csv` by name (the total row is `Aggregated`)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "", "N/A") else None
    except ValueError:
        return None


def latency_violations(stats: Mapping[str, Mapping[str, str]], thresholds: Mapping[str, Any]) -> list[str]:
    """One line per endpoint percentile above its limit (and per endpoint the load never called)."""
    problems = []
    for endpoint, limits in thresholds.get("latency_ms", {}).items():
        row = stats.get(endpoint)
        if row is None or not _number(row.get("Request Count")):
            problems.append(f"{endpoint}: no requests recorded, expected some (run longer or with more users)")
            continue
        for percentile, limit in sorted(limits.items()):
            column = percentile.lstrip("pP") + "%"
            if column not in row:
                problems.append(f"{endpoint}: unknown percentile {percentile!r} in STRESS_THRESHOLDS (use p50..p99.9)")
                continue
            actual = _number(row[column])
            if actual is None or actual > float(limit):
                problems.append(f"{endpoint}: {percentile} = {row[column]} ms, expected <= {limit} ms")
    return problems


def error_rate_violations(stats: Mapping[str, Mapping[str, str]], thresholds: Mapping[str, Any]) -> list[str]:
    """A line when failed requests / requests is above `max_error_rate` (or when nothing was sent)."""
    total = stats.get("Aggregated", {})
    requests = _number(total.get("Request Count")) or 0
    failures = _number(total.get("Failure Count")) or 0
    limit = float(thresholds["max_error_rate"])
    if not requests:
        return ["no request was recorded: the load generator sent nothing"]
    rate = failures / requests
    if rate > limit:
        return [f"error rate {rate:.2%} ({failures:.0f} of {requests:.0f} requests), expected <= {limit:.2%}"]
    return []


def throughput_violations(stats: Mapping[str, Mapping[str, str]], thresholds: Mapping[str, Any]) -> list[str]:
    """A line when the run's requests/second (Locust's total row) is below `min_rps`."""
    rps = _number(stats.get("Aggregated", {}).get("Requests/s")) or 0.0
    minimum = float(thresholds["min_rps"])
    return [] if rps >= minimum else [f"throughput {rps:.1f} requests/s, expected >= {minimum:g} requests/s"]


def _fail_on(problems: list[str], what: str) -> None:
    if problems:
        raise AssertionError(f"{what}:\n" + "\n".join(f"- {line}" for line in problems))


# ================================================================ money and events (pure, tested by tests/stress)
def money_violations(database: Mapping[str, Mapping[str, int]], told: Mapping[str, Any] | None) -> list[str]:
    """Totals of the run's wallets per currency against each other and against what the clients were told.

    `database[currency]` holds the sums over the run's wallets: `balance`, `deposits`, `withdrawals`,
    `credits` (succeeded transactions), `transfers_in`, `transfers_out`. All wallets are new, so the total
    balance change is the total balance. `told` is the load generator's client ledger (see the
    locustfile): per currency `deposited`/`withdrawn` answered 201 and `unknown_*` amounts whose outcome
    the client could not know; the database must lie within those bounds.
    """
    problems = []
    for currency, sums in sorted(database.items()):
        flows = sums["deposits"] - sums["withdrawals"] + sums["credits"]
        if sums["balance"] != flows:
            problems.append(
                f"{currency}: total balance change {sums['balance']}, expected deposits - withdrawals + credits"
                f" = {sums['deposits']} - {sums['withdrawals']} + {sums['credits']} = {flows}"
            )
        if sums["transfers_in"] != sums["transfers_out"]:
            problems.append(
                f"{currency}: transfers moved {sums['transfers_out']} out but {sums['transfers_in']} in,"
                " expected equal (money created or lost between wallets)"
            )
    if told is None:
        return problems
    for currency in sorted(set(database) | set(told.get("money", {}))):
        sums = database.get(currency, {})
        client = told.get("money", {}).get(currency, {})
        for db_field, told_field in (("deposits", "deposited"), ("withdrawals", "withdrawn")):
            actual = int(sums.get(db_field, 0))
            low = int(client.get(told_field, 0))
            high = low + int(client.get(f"unknown_{told_field}", 0))
            if not low <= actual <= high:
                expected = f"{low}" if low == high else f"between {low} and {high}"
                problems.append(
                    f"{currency}: succeeded {db_field} in the database sum to {actual}, expected {expected}"
                    f" (the API answered 201 for {low}; {high - low} of unknown outcome)"
                )
    return problems


# Which committed change each event type describes, and the data field that names it.
EVENT_KEYS: dict[str, str] = {
    "wallet.created": "wallet_id",
    "deposit.succeeded": "transaction_id",
    "deposit.failed": "transaction_id",
    "withdrawal.succeeded": "transaction_id",
    "credit.applied": "transaction_id",
    "transfer.succeeded": "transfer_id",
}


def event_change(event: Mapping[str, Any]) -> tuple[str, str] | None:
    """(event type, id of the change it describes), or None for an event type the contract does not list."""
    event_type = event.get("type")
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    if event_type not in EVENT_KEYS:
        return None
    return str(event_type), str(data.get(EVENT_KEYS[str(event_type)]))


def event_wallets(event: Mapping[str, Any]) -> set[str]:
    """The wallet ids an event mentions."""
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    return {str(data[k]) for k in ("wallet_id", "source_wallet_id", "destination_wallet_id") if data.get(k)}


def event_violations(expected: Iterable[tuple[str, str]], events: Iterable[Mapping[str, Any]]) -> list[str]:
    """Exactly one event per committed change: missing, duplicated (distinct event ids) or unexpected events.

    `expected` are the committed changes as (event type, change id); `events` the run's events as
    received (a redelivery with the same event `id` is allowed: delivery is at-least-once).
    """
    wanted = set(expected)
    ids_by_change: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in events:
        change = event_change(event)
        if change is not None:
            ids_by_change[change].add(str(event.get("id")))
    problems = []
    missing = sorted(wanted - set(ids_by_change))
    duplicated = sorted(c for c in wanted if len(ids_by_change.get(c, ())) > 1)
    unexpected = sorted(set(ids_by_change) - wanted)
    for label, changes in (("no event", missing), ("more than one event", duplicated)):
        if changes:
            by_type = Counter(t for t, _ in changes)
            sample = ", ".join(f"{t} {i}" for t, i in changes[:5])
            problems.append(f"{len(changes)} committed changes with {label} ({dict(by_type)}), e.g. {sample}")
    if unexpected:
        sample = ", ".join(f"{t} {i}" for t, i in unexpected[:5])
        problems.append(f"{len(unexpected)} events for changes the database does not hold as committed, e.g. {sample}")
    return problems


def collect_run_events(
    received: Callable[[], list[dict[str, Any]]],
    wanted: set[tuple[str, str]],
    wallets: set[str],
    timeout_s: float,
    quiet_s: float = QUIET_WINDOW_S,
) -> list[dict[str, Any]]:
    """The distinct events that mention one of `wallets`, once every `wanted` change has one (or at the
    deadline), after `quiet_s` more seconds of listening for duplicates.

    `received()` returns the distinct events buffered so far and waits a little for more (EventBus's
    `Events Received` pumps the connection for 0.1 s).
    """
    deadline = time.monotonic() + timeout_s
    quiet_until: float | None = None
    while True:
        events = [event for event in received() if event_wallets(event) & wallets]
        now = time.monotonic()
        if quiet_until is None and wanted <= {event_change(event) for event in events}:
            quiet_until = now + quiet_s
        if now >= deadline or (quiet_until is not None and now >= quiet_until):
            return events


# ================================================================ database queries of a run
# The run's wallets are those whose owner id starts with the run id (every owner of the load has it).
_RUN_WALLETS = """
SELECT w.id::text, count(t.id) FROM wallets w LEFT JOIN transactions t ON t.wallet_id = w.id
WHERE left(w.owner_id, %(n)s) = %(prefix)s GROUP BY w.id ORDER BY w.id
"""

MONEY_TOTALS_SQL = """
WITH run_wallets AS (SELECT id FROM wallets WHERE left(owner_id, %(n)s) = %(prefix)s),
balances AS (
    SELECT w.currency, sum(w.balance) AS balance FROM wallets w JOIN run_wallets r ON r.id = w.id GROUP BY w.currency
),
flows AS (
    SELECT t.currency,
           sum(t.amount) FILTER (WHERE t.type = 'deposit') AS deposits,
           sum(t.amount) FILTER (WHERE t.type = 'withdrawal') AS withdrawals,
           sum(t.amount) FILTER (WHERE t.type = 'credit') AS credits,
           sum(t.amount) FILTER (WHERE t.type = 'transfer_in') AS transfers_in,
           sum(t.amount) FILTER (WHERE t.type = 'transfer_out') AS transfers_out
    FROM transactions t JOIN run_wallets r ON r.id = t.wallet_id
    WHERE t.status = 'succeeded'
    GROUP BY t.currency
)
SELECT trim(coalesce(b.currency, f.currency)), coalesce(b.balance, 0), coalesce(f.deposits, 0),
       coalesce(f.withdrawals, 0), coalesce(f.credits, 0), coalesce(f.transfers_in, 0), coalesce(f.transfers_out, 0)
FROM balances b FULL JOIN flows f ON f.currency = b.currency
"""

# Committed changes that the contract says publish one event each (section 7): wallets created,
# settled deposits (succeeded or failed), succeeded withdrawals and credits, and transfers (one event
# for both legs). Pending deposits publish nothing until settled.
EXPECTED_EVENTS_SQL = """
WITH run_wallets AS (SELECT id FROM wallets WHERE left(owner_id, %(n)s) = %(prefix)s)
SELECT 'wallet.created', r.id::text FROM run_wallets r
UNION ALL
SELECT CASE WHEN t.type = 'deposit' THEN 'deposit.' || t.status
            WHEN t.type = 'withdrawal' THEN 'withdrawal.succeeded'
            ELSE 'credit.applied' END,
       t.id::text
FROM transactions t JOIN run_wallets r ON r.id = t.wallet_id
WHERE (t.type = 'deposit' AND t.status IN ('succeeded', 'failed'))
   OR (t.type IN ('withdrawal', 'credit') AND t.status = 'succeeded')
UNION
SELECT 'transfer.succeeded', t.transfer_id::text
FROM transactions t JOIN run_wallets r ON r.id = t.wallet_id
WHERE t.type IN ('transfer_out', 'transfer_in') AND t.status = 'succeeded'
"""


def _connect(dsn: str) -> Any:
    return psycopg.connect(dsn, connect_timeout=10, autocommit=True)


def _prefix_params(prefix: str) -> dict[str, Any]:
    return {"prefix": prefix, "n": len(prefix)}


def run_wallets(dsn: str, prefix: str) -> dict[str, int]:
    """The wallets whose owner id starts with `prefix`: id -> number of transaction rows."""
    with _connect(dsn) as connection:
        return {str(row[0]): int(row[1]) for row in connection.execute(_RUN_WALLETS, _prefix_params(prefix))}


def money_totals(dsn: str, prefix: str) -> dict[str, dict[str, int]]:
    """Per currency, the sums over the run's wallets that `money_violations` compares."""
    fields = ("balance", "deposits", "withdrawals", "credits", "transfers_in", "transfers_out")
    with _connect(dsn) as connection:
        rows = connection.execute(MONEY_TOTALS_SQL, _prefix_params(prefix)).fetchall()
    return {row[0]: dict(zip(fields, (int(v) for v in row[1:]), strict=True)) for row in rows}


def expected_events(dsn: str, prefix: str) -> set[tuple[str, str]]:
    """The run's committed changes as (event type, change id)."""
    with _connect(dsn) as connection:
        return {(row[0], row[1]) for row in connection.execute(EXPECTED_EVENTS_SQL, _prefix_params(prefix))}


def reconcile_batches(wallets: Mapping[str, int], budget: int = RECONCILE_BUDGET) -> list[list[str]]:
    """The wallets (id -> transaction rows) in batches of about `budget` transaction rows (at least one wallet)."""
    batches: list[list[str]] = [[]]
    rows = 0
    for wallet_id, count in wallets.items():
        if batches[-1] and rows + count > budget:
            batches.append([])
            rows = 0
        batches[-1].append(wallet_id)
        rows += count
    return [batch for batch in batches if batch]


def reconcile_wallets(wallets: Mapping[str, int]) -> list[str]:
    """The problems `Ledger Should Reconcile` (libraries/Ledger.py) finds in these wallets (id -> transaction
    rows), called in batches (see `reconcile_batches`). Each problem is one line (balance vs ledger sum,
    negative balance, transfer legs, outbox rows)."""
    ledger = Ledger()
    problems: list[str] = []
    try:
        for batch in reconcile_batches(wallets):
            try:
                ledger.ledger_should_reconcile(*batch)
            except AssertionError as error:
                problems += [line.strip().removeprefix("- ") for line in str(error).splitlines()[1:]]
    finally:
        ledger.close_ledger_connection()
    return problems


# ================================================================ the run
@dataclass
class LoadRun:
    """One prepared (and later finished) load run."""

    run_id: str
    profile: Any  # profiles.Profile
    thresholds: dict[str, Any]
    workers: int
    output_dir: Path
    stats: dict[str, dict[str, str]] | None = None
    told: dict[str, Any] | None = None
    exceptions: int = 0

    @property
    def csv_prefix(self) -> Path:
        """Prefix of Locust's CSV files."""
        return self.output_dir / "locust"

    @property
    def client_ledger(self) -> Path:
        """The JSON file of what the API told the clients."""
        return self.output_dir / "client-ledger.json"


def free_port() -> int:
    """A free TCP port on loopback (for the Locust master)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], grace_s: float = 10) -> None:
    """Terminate a process we started (its own process group), then kill it after `grace_s`."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_s)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(timeout=grace_s)


@library(scope="SUITE", auto_keywords=False)
class LoadTest:
    """Runs Locust load profiles against the Wallet API and checks latency, errors, throughput and money."""

    def __init__(self) -> None:
        self._run: LoadRun | None = None

    # ------------------------------------------------------------ preparation
    @keyword
    def prepare_load_run(self, profile: str | None = None) -> str:
        """Chooses the profile and its overrides and thresholds; returns the run id (owner id prefix).

        `profile` defaults to `${STRESS_PROFILE}` (else `smoke`). Overrides: `STRESS_USERS`,
        `STRESS_SPAWN_RATE`, `STRESS_DURATION`, `STRESS_WORKERS` (0 = one process), `STRESS_THRESHOLDS`
        (JSON), each a Robot variable or an environment variable (see `stress/profiles.py`).
        """
        try:
            chosen = profiles.resolve_profile(
                profile or _optional("STRESS_PROFILE"),
                _optional("STRESS_USERS"),
                _optional("STRESS_SPAWN_RATE"),
                _optional("STRESS_DURATION"),
            )
            thresholds = profiles.thresholds_for(chosen, _optional_raw("STRESS_THRESHOLDS"))
        except profiles.ProfileError as error:
            raise AssertionError(str(error)) from None
        workers_text = _optional("STRESS_WORKERS") or "0"
        if not workers_text.isdigit() or int(workers_text) > 64:
            raise AssertionError(f"STRESS_WORKERS={workers_text!r} must be a whole number from 0 to 64")
        identifier = f"{run_id()}-st{uuid.uuid4().hex[:6]}"
        output_dir = report_root() / "stress" / identifier
        output_dir.mkdir(parents=True, exist_ok=True)
        self._run = LoadRun(identifier, chosen, thresholds, int(workers_text), output_dir)
        logger.info(
            f"Load run {identifier}: profile {chosen.name} ({chosen.description}); {chosen.users} users, "
            f"{chosen.spawn_rate:g}/s, {chosen.duration_s} s, "
            f"{'one process' if not self._run.workers else f'a master and {self._run.workers} workers'}.\n"
            f"Thresholds: {json.dumps(thresholds, sort_keys=True)}"
        )
        return identifier

    # ------------------------------------------------------------ the load
    @keyword
    def run_load_profile(self) -> None:
        """Runs the prepared profile with Locust headless and links its HTML report and CSV files in the log.

        Fails when Locust does not finish within the hard timeout (it is killed), exits with an error,
        or writes no statistics. Thresholds are checked by the other keywords.
        """
        run = self._require_run()
        base_url = setting("WALLET_API_URL")
        environ = self._locust_environment(run)
        hard_timeout = run.profile.hard_timeout_s(STOP_TIMEOUT_S)
        common = ["-f", str(LOCUSTFILE), "--host", base_url, "--stop-timeout", str(STOP_TIMEOUT_S)]
        main = [
            sys.executable, "-m", "locust", *common, "--headless", "--only-summary", "--exit-code-on-error", "0",
            "--csv", str(run.csv_prefix), "--html", str(run.output_dir / "report.html"),
            "--logfile", str(run.output_dir / "locust.log"),
        ]  # fmt: skip
        workers: list[subprocess.Popen[bytes]] = []
        if run.workers:
            port = str(free_port())
            main += ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port]
            main += ["--expect-workers", str(run.workers), "--expect-workers-max-wait", str(WORKER_READY_S)]
            hard_timeout += WORKER_READY_S
        logger.info(f"Starting Locust (hard timeout {hard_timeout} s): {' '.join(main)}")
        started = time.monotonic()
        master = self._spawn(main, environ, run.output_dir / "locust-console.log")
        try:
            for index in range(run.workers):
                command = [sys.executable, "-m", "locust", *common, "--worker", "--master-host", "127.0.0.1"]
                command += ["--master-port", port, "--logfile", str(run.output_dir / f"locust-worker-{index}.log")]
                workers.append(self._spawn(command, environ, run.output_dir / f"locust-worker-{index}-console.log"))
            try:
                code = master.wait(timeout=hard_timeout)
            except subprocess.TimeoutExpired:
                raise AssertionError(
                    f"Locust did not finish within its hard timeout of {hard_timeout} s and was killed; "
                    f"see {run.output_dir / 'locust.log'}"
                ) from None
            for worker in workers:
                try:
                    worker.wait(timeout=STOP_TIMEOUT_S + 30)
                except subprocess.TimeoutExpired:
                    logger.warn(f"a Locust worker (pid {worker.pid}) did not quit with its master; it was stopped")
        finally:
            for process in [master, *workers]:
                stop_process(process)
        logger.info(f"Locust finished in {time.monotonic() - started:.1f} s with exit code {code}.")
        self._link_reports(run)
        stats_file = Path(f"{run.csv_prefix}_stats.csv")
        if code != 0 or not stats_file.exists():
            tail = _tail(run.output_dir / "locust-console.log")
            raise AssertionError(
                f"Locust failed (exit code {code}, statistics written: {stats_file.exists()}):\n{tail}"
            )
        run.stats = read_stats_csv(stats_file)
        run.told = json.loads(run.client_ledger.read_text("utf-8")) if run.client_ledger.exists() else None
        exceptions_file = Path(f"{run.csv_prefix}_exceptions.csv")
        if exceptions_file.exists():
            with exceptions_file.open(newline="", encoding="utf-8") as handle:
                run.exceptions = sum(int(row.get("Count") or 0) for row in csv.DictReader(handle))
        total = run.stats.get("Aggregated", {})
        logger.info(
            f"{total.get('Request Count')} requests, {total.get('Failure Count')} failed, "
            f"{_number(total.get('Requests/s')) or 0:.1f} requests/s; clients were told: "
            f"{json.dumps((run.told or {}).get('counts', {}), sort_keys=True)}"
        )

    def _locust_environment(self, run: LoadRun) -> dict[str, str]:
        environ = dict(os.environ)
        environ.update(
            {
                "JWT_SECRET": setting("JWT_SECRET"),
                "SUPPORTED_CURRENCIES": setting("SUPPORTED_CURRENCIES", "EUR,USD,GBP"),
                "STRESS_HTTP_TIMEOUT": str(setting_seconds("HTTP_TIMEOUT", 5)),
                "STRESS_PROFILE": run.profile.name,
                "STRESS_USERS": str(run.profile.users),
                "STRESS_SPAWN_RATE": str(run.profile.spawn_rate),
                "STRESS_DURATION": str(run.profile.duration_s),
                "STRESS_RUN_ID": run.run_id,
                "STRESS_CLIENT_LEDGER": str(run.client_ledger),
                "PYTHONUNBUFFERED": "1",
            }
        )
        # Locust's own LOCUST_* settings from the caller's shell must not change what this keyword runs.
        return {name: value for name, value in environ.items() if not name.startswith("LOCUST_")}

    @staticmethod
    def _spawn(command: list[str], environ: dict[str, str], console: Path) -> subprocess.Popen[bytes]:
        with console.open("wb") as output:
            return subprocess.Popen(
                command, cwd=REPO_ROOT, env=environ, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    @staticmethod
    def _link_reports(run: LoadRun) -> None:
        base = report_root()
        links = [("Locust HTML report", run.output_dir / "report.html")]
        links += [(f"{kind} CSV", Path(f"{run.csv_prefix}_{kind}.csv")) for kind in ("stats", "failures", "exceptions")]
        links += [("stats history CSV", Path(f"{run.csv_prefix}_stats_history.csv"))]
        links += [("client ledger", run.client_ledger), ("Locust log", run.output_dir / "locust.log")]
        html = " | ".join(
            f'<a href="{os.path.relpath(path, base)}">{label}</a>' for label, path in links if path.exists()
        )
        logger.info(f"Load run {run.run_id}: {html or 'no report was written'}", html=True)

    # ------------------------------------------------------------ thresholds
    @keyword
    def latency_should_be_within_thresholds(self) -> None:
        """Fails listing every endpoint whose p95/p99 (or other configured percentile) is above its limit."""
        run = self._finished_run()
        _fail_on(latency_violations(run.stats or {}, run.thresholds), "latency above the thresholds")

    @keyword
    def error_rate_should_be_within_threshold(self) -> None:
        """Fails when failed requests / requests is above `max_error_rate`, or when the load code crashed."""
        run = self._finished_run()
        problems = error_rate_violations(run.stats or {}, run.thresholds)
        if run.exceptions:
            problems.append(f"the load code raised {run.exceptions} exceptions (see the exceptions CSV)")
        _fail_on(problems, "errors under load")

    @keyword
    def throughput_should_reach_threshold(self) -> None:
        """Fails when the run's requests/second is below `min_rps`."""
        run = self._finished_run()
        _fail_on(throughput_violations(run.stats or {}, run.thresholds), "throughput below the threshold")

    # ------------------------------------------------------------ money
    @keyword
    def wallets_touched_by_load(self) -> int:
        """Number of wallets of the run (owner id starting with the run id); fails when there are none."""
        run = self._finished_run()
        count = len(run_wallets(setting("DATABASE_URL"), run.run_id + "-"))
        if not count:
            raise AssertionError(f"no wallet of run {run.run_id} in the database, expected the load to open some")
        return count

    @keyword
    def touched_wallets_should_match_their_ledgers(self) -> None:
        """Every wallet of the run: balance = sum of its succeeded ledger rows, and no negative balance."""
        run = self._finished_run()
        dsn = setting("DATABASE_URL")
        wallets = run_wallets(dsn, run.run_id + "-")
        problems = reconcile_wallets(wallets)
        _fail_on(problems, f"{len(problems)} problem(s) in {len(wallets)} wallets")
        logger.info(f"{len(wallets)} wallets ({sum(wallets.values())} transaction rows) reconcile with their ledgers.")

    @keyword
    def money_totals_should_match_what_clients_were_told(self) -> None:
        """Per currency: total balance change = deposits - withdrawals + credits, transfers net to zero,
        and the database's deposits and withdrawals equal what the API answered 201 for (within the
        amounts whose outcome the clients could not know)."""
        run = self._finished_run()
        if run.told is None:
            raise AssertionError(f"the load generator wrote no client ledger ({run.client_ledger})")
        totals = money_totals(setting("DATABASE_URL"), run.run_id + "-")
        logger.info(f"Database totals: {json.dumps(totals, sort_keys=True)}\nClients were told: "
                    f"{json.dumps(run.told.get('money', {}), sort_keys=True)}")  # fmt: skip
        _fail_on(money_violations(totals, run.told), "money not conserved")

    @keyword
    def every_committed_change_should_have_one_event(self, timeout: str | None = None) -> None:
        """Waits (up to `timeout` seconds, default `STRESS_EVENT_TIMEOUT` or 60) until every committed change
        of the run has its event on `wallet.events`, then fails on missing, duplicated or unexpected events
        and on events that break their schema. Needs EventBus's `Start Listening For Events` before the load."""
        run = self._finished_run()
        dsn = setting("DATABASE_URL")
        wanted = expected_events(dsn, run.run_id + "-")
        wallets = set(run_wallets(dsn, run.run_id + "-"))
        deadline_s = float(timeout) if timeout else setting_seconds("STRESS_EVENT_TIMEOUT", 60)
        # EventBus (libraries/EventBus.py) has been listening on wallet.events since before the load.
        bus = BuiltIn().get_library_instance("EventBus")
        events = collect_run_events(bus.events_received, wanted, wallets, deadline_s)
        problems = event_violations(wanted, events)
        problems += _schema_problems(events)
        logger.info(f"{len(wanted)} committed changes, {len(events)} events received for the run's wallets.")
        _fail_on(problems, "events do not match the committed changes")

    # ------------------------------------------------------------ helpers
    def _require_run(self) -> LoadRun:
        if self._run is None:
            raise AssertionError("no load run prepared: call Prepare Load Run first")
        return self._run

    def _finished_run(self) -> LoadRun:
        run = self._require_run()
        if run.stats is None:
            raise AssertionError("the load profile has not run (or it failed): see Run Load Profile")
        return run


def _schema_problems(events: list[dict[str, Any]]) -> list[str]:
    contract = event_contract()
    broken = [(e.get("type"), problem) for e in events for problem in contract.problems(e)[:1]]
    if not broken:
        return []
    sample = "; ".join(f"{t}: {p}" for t, p in broken[:3])
    return [f"{len(broken)} events break their schema (contracts/events), e.g. {sample}"]


# ================================================================ settings and the Ledger library
def _robot_variable(name: str) -> Any:
    try:
        return BuiltIn().get_variable_value("${" + name + "}")
    except RobotNotRunningError:
        return None


def report_root() -> Path:
    """The folder of the final log.html: `${STRESS_REPORT_DIR}` (run.sh sets it: robot writes its parts
    elsewhere and they are combined there), else the folder of `${LOG FILE}`, else `${OUTPUT DIR}`.
    The Locust reports go under `<it>/stress/<run id>/` and log.html links them relative to it."""
    explicit = _optional("STRESS_REPORT_DIR")
    if explicit:
        return Path(explicit)
    log_file = _robot_variable("LOG FILE")
    if log_file and log_file != "NONE":
        return Path(log_file).parent
    return Path(_robot_variable("OUTPUT DIR") or REPO_ROOT / "results")


def _optional_raw(name: str) -> Any:
    value = _robot_variable(name)
    return os.environ.get(name) if value is None or value == "" else value


def _optional(name: str) -> str | None:
    value = _optional_raw(name)
    return None if value is None or value == "" else str(value)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return scrub("\n".join(path.read_text("utf-8", errors="replace").splitlines()[-lines:]))
    except OSError:
        return f"(no output in {path})"
