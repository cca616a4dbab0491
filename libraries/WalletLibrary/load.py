"""The load runs of the stress tests (no keywords): profiles, Locust's statistics, thresholds, money.

Everything here is pure or runs processes; `keywords/load.py` makes keywords of it. Tested by
`tests/stress/`.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
STRESS_DIR = REPO_ROOT / "stress"
LOCUSTFILE = STRESS_DIR / "locustfile.py"
STOP_TIMEOUT_S = 10  # Locust lets each user finish its current action for up to this long at the end
WORKER_READY_S = 60  # how long the master waits for its workers
MAX_WORKERS = 64
RECONCILE_BATCH = 100  # wallets per ledger reconciliation query (its outbox matching grows with their square)


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


# ================================================================ thresholds
def read_stats_csv(path: str | Path) -> dict[str, dict[str, str]]:
    """Rows of Locust's `<prefix>_stats.csv` by name (the total row is `Aggregated`)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "", "N/A") else None
    except ValueError:
        return None


def latency_violations(stats: Mapping[str, Mapping[str, str]], thresholds: Mapping[str, Any]) -> list[str]:
    """One line per endpoint percentile above its limit (and per endpoint the load never called)."""
    problems = []
    for endpoint, limits in thresholds.get("latency_ms", {}).items():
        row = stats.get(endpoint)
        if row is None or not number(row.get("Request Count")):
            problems.append(f"{endpoint}: no requests recorded, expected some (run longer or with more users)")
            continue
        for percentile, limit in sorted(limits.items()):
            column = percentile.lstrip("pP") + "%"
            if column not in row:
                problems.append(f"{endpoint}: unknown percentile {percentile!r} in STRESS_THRESHOLDS (use p50..p99.9)")
                continue
            actual = number(row[column])
            if actual is None or actual > float(limit):
                problems.append(f"{endpoint}: {percentile} = {row[column]} ms, expected <= {limit} ms")
    return problems


def error_rate_violations(stats: Mapping[str, Mapping[str, str]], thresholds: Mapping[str, Any]) -> list[str]:
    """A line when failed requests / requests is above `max_error_rate` (or when nothing was sent)."""
    total = stats.get("Aggregated", {})
    requests = number(total.get("Request Count")) or 0
    failures = number(total.get("Failure Count")) or 0
    limit = float(thresholds["max_error_rate"])
    if not requests:
        return ["no request was recorded: the load generator sent nothing"]
    rate = failures / requests
    if rate > limit:
        return [f"error rate {rate:.2%} ({failures:.0f} of {requests:.0f} requests), expected <= {limit:.2%}"]
    return []


def throughput_violations(stats: Mapping[str, Mapping[str, str]], thresholds: Mapping[str, Any]) -> list[str]:
    """A line when the run's requests/second (Locust's total row) is below `min_rps`."""
    rps = number(stats.get("Aggregated", {}).get("Requests/s")) or 0.0
    minimum = float(thresholds["min_rps"])
    return [] if rps >= minimum else [f"throughput {rps:.1f} requests/s, expected >= {minimum:g} requests/s"]


# ================================================================ money
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


# ================================================================ the run's rows
# The run's wallets are those whose owner id starts with the run id (every owner of the load has it).
RUN_WALLETS_SQL = """
SELECT w.id::text AS id, count(t.id) AS transactions FROM wallets w LEFT JOIN transactions t ON t.wallet_id = w.id
WHERE left(w.owner_id, %s) = %s GROUP BY w.id ORDER BY w.id
"""

MONEY_TOTALS_SQL = """
WITH run_wallets AS (SELECT id FROM wallets WHERE left(owner_id, %s) = %s),
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
SELECT trim(coalesce(b.currency, f.currency)) AS currency, coalesce(b.balance, 0) AS balance,
       coalesce(f.deposits, 0) AS deposits, coalesce(f.withdrawals, 0) AS withdrawals,
       coalesce(f.credits, 0) AS credits, coalesce(f.transfers_in, 0) AS transfers_in,
       coalesce(f.transfers_out, 0) AS transfers_out
FROM balances b FULL JOIN flows f ON f.currency = b.currency
"""


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
