"""Stress: a Locust load profile driven from Robot, then its speed and its money checked (on demand)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

from .. import load
from ..ledger import ledger_problems
from ..matcher import bullet_list
from . import LibraryComponent

EVENTS_QUIET_S = 2.0  # listening on after the last expected event, to see late duplicates (once per load run)


class LoadKeywords(LibraryComponent):
    """Stress. `Prepare Load Run` resolves the profile (`stress/profiles.py`) with the `STRESS_*` overrides and
    a run id that prefixes every owner of the load; `Run Load Profile` runs Locust headless (one process, or
    a master and `STRESS_WORKERS` workers) with a hard timeout, its reports linked from log.html; the other
    keywords check latency, errors and throughput against the thresholds, and money and events over every
    wallet of the run. Secrets reach Locust through its environment only."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._run: load.LoadRun | None = None

    def _optional(self, name: str) -> str | None:
        value = BuiltIn().get_variable_value("${" + name + "}")
        value = os.environ.get(name) if value in (None, "") else value
        return None if value in (None, "") else str(value)

    def _report_root(self) -> Path:
        """The folder of the final log.html (`${STRESS_REPORT_DIR}`, set by the run engine, else the log's)."""
        explicit = self._optional("STRESS_REPORT_DIR")
        if explicit:
            return Path(explicit)
        log_file = BuiltIn().get_variable_value("${LOG FILE}")
        if log_file and log_file != "NONE":
            return Path(log_file).parent
        return Path(BuiltIn().get_variable_value("${OUTPUT DIR}") or load.REPO_ROOT / "results")

    @keyword("Prepare Load Run")
    def prepare_load_run(self, profile: str | None = None) -> str:
        """Chooses the profile (`profile`, else `${STRESS_PROFILE}`, else `smoke`), its overrides
        (`STRESS_USERS`, `STRESS_SPAWN_RATE`, `STRESS_DURATION`, `STRESS_WORKERS` 0-64, `STRESS_THRESHOLDS`
        JSON) and thresholds; returns the run id (the prefix of every owner of the load).

        | ${run_id} = | Prepare Load Run | smoke |
        """
        profiles = load.profiles
        try:
            chosen = profiles.resolve_profile(
                profile or self._optional("STRESS_PROFILE"),
                self._optional("STRESS_USERS"),
                self._optional("STRESS_SPAWN_RATE"),
                self._optional("STRESS_DURATION"),
            )
            thresholds = profiles.thresholds_for(chosen, self._optional("STRESS_THRESHOLDS"))
        except profiles.ProfileError as error:
            raise AssertionError(str(error)) from None
        workers = self._optional("STRESS_WORKERS") or "0"
        if not workers.isdigit() or int(workers) > load.MAX_WORKERS:
            raise AssertionError(f"STRESS_WORKERS={workers!r} must be a whole number from 0 to {load.MAX_WORKERS}")
        identifier = f"{self.ctx.run_id}-st{uuid.uuid4().hex[:6]}"
        output_dir = self._report_root() / "stress" / identifier
        output_dir.mkdir(parents=True, exist_ok=True)
        self._run = load.LoadRun(identifier, chosen, thresholds, int(workers), output_dir)
        logger.info(
            f"Load run {identifier}: profile {chosen.name} ({chosen.description}); {chosen.users} users, "
            f"{chosen.spawn_rate:g}/s, {chosen.duration_s} s, "
            f"{'one process' if not self._run.workers else f'a master and {self._run.workers} workers'}.\n"
            f"Thresholds: {json.dumps(thresholds, sort_keys=True)}"
        )
        return identifier

    @keyword("Run Load Profile")
    def run_load_profile(self) -> None:
        """Runs the prepared profile with Locust headless and links its HTML report and CSV files in the log;
        fails when Locust does not finish within the hard timeout (it is killed), exits with an error, or
        writes no statistics.

        | Run Load Profile |
        """
        run = self._require_run()
        environ = self._locust_environment(run)
        hard_timeout = run.profile.hard_timeout_s(load.STOP_TIMEOUT_S)
        common = ["-f", str(load.LOCUSTFILE), "--host", self.ctx.setting("WALLET_API_URL")]
        common += ["--stop-timeout", str(load.STOP_TIMEOUT_S)]
        main = [sys.executable, "-m", "locust", *common, "--headless", "--only-summary", "--exit-code-on-error", "0"]
        main += ["--csv", str(run.csv_prefix), "--html", str(run.output_dir / "report.html")]
        main += ["--logfile", str(run.output_dir / "locust.log")]
        port = str(load.free_port())
        if run.workers:
            main += ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", port]
            main += ["--expect-workers", str(run.workers), "--expect-workers-max-wait", str(load.WORKER_READY_S)]
            hard_timeout += load.WORKER_READY_S
        logger.info(f"Starting Locust (hard timeout {hard_timeout} s): {' '.join(main)}")
        started = time.monotonic()
        processes = [_spawn(main, environ, run.output_dir / "locust-console.log")]
        try:
            for index in range(run.workers):
                command = [sys.executable, "-m", "locust", *common, "--worker", "--master-host", "127.0.0.1"]
                command += ["--master-port", port, "--logfile", str(run.output_dir / f"locust-worker-{index}.log")]
                processes.append(_spawn(command, environ, run.output_dir / f"locust-worker-{index}-console.log"))
            try:
                code = processes[0].wait(timeout=hard_timeout)
            except subprocess.TimeoutExpired:
                raise AssertionError(
                    f"Locust did not finish within its hard timeout of {hard_timeout} s and was killed; "
                    f"see {run.output_dir / 'locust.log'}"
                ) from None
        finally:
            for process in processes:
                load.stop_process(process)
        logger.info(f"Locust finished in {time.monotonic() - started:.1f} s with exit code {code}.")
        self._link_reports(run)
        self._read_results(run, code)

    def _read_results(self, run: load.LoadRun, code: int) -> None:
        stats_file = Path(f"{run.csv_prefix}_stats.csv")
        if code != 0 or not stats_file.exists():
            tail = "\n".join((run.output_dir / "locust-console.log").read_text("utf-8", "replace").splitlines()[-20:])
            written = stats_file.exists()
            raise AssertionError(f"Locust failed (exit code {code}, statistics written: {written}):\n{tail}")
        run.stats = load.read_stats_csv(stats_file)
        run.told = json.loads(run.client_ledger.read_text("utf-8")) if run.client_ledger.exists() else None
        exceptions_file = Path(f"{run.csv_prefix}_exceptions.csv")
        if exceptions_file.exists():
            with exceptions_file.open(newline="", encoding="utf-8") as handle:
                run.exceptions = sum(int(row.get("Count") or 0) for row in csv.DictReader(handle))
        total = run.stats.get("Aggregated", {})
        logger.info(
            f"{total.get('Request Count')} requests, {total.get('Failure Count')} failed, "
            f"{load.number(total.get('Requests/s')) or 0:.1f} requests/s; clients were told: "
            f"{json.dumps((run.told or {}).get('counts', {}), sort_keys=True)}"
        )

    def _locust_environment(self, run: load.LoadRun) -> dict[str, str]:
        environ = {name: value for name, value in os.environ.items() if not name.startswith("LOCUST_")}
        environ.update(
            JWT_SECRET=self.ctx.setting("JWT_SECRET"),
            SUPPORTED_CURRENCIES=self.ctx.setting("SUPPORTED_CURRENCIES"),
            STRESS_HTTP_TIMEOUT=str(self.ctx.http_timeout),
            STRESS_PROFILE=run.profile.name,
            STRESS_USERS=str(run.profile.users),
            STRESS_SPAWN_RATE=str(run.profile.spawn_rate),
            STRESS_DURATION=str(run.profile.duration_s),
            STRESS_RUN_ID=run.run_id,
            STRESS_CLIENT_LEDGER=str(run.client_ledger),
            PYTHONUNBUFFERED="1",
        )
        return environ

    def _link_reports(self, run: load.LoadRun) -> None:
        base = self._report_root()
        links = [("Locust HTML report", run.output_dir / "report.html")]
        links += [(f"{kind} CSV", Path(f"{run.csv_prefix}_{kind}.csv")) for kind in ("stats", "failures", "exceptions")]
        links += [("stats history CSV", Path(f"{run.csv_prefix}_stats_history.csv"))]
        links += [("client ledger", run.client_ledger), ("Locust log", run.output_dir / "locust.log")]
        html = " | ".join(f'<a href="{os.path.relpath(p, base)}">{label}</a>' for label, p in links if p.exists())
        logger.info(f"Load run {run.run_id}: {html or 'no report was written'}", html=True)

    # ------------------------------------------------------------------ speed

    @keyword("Latency Per Endpoint Should Be Within Thresholds")
    def latency_per_endpoint_should_be_within_thresholds(self) -> None:
        """p95 and p99 (and any other configured percentile) of every endpoint of the mix within its limit.

        | Latency Per Endpoint Should Be Within Thresholds |
        """
        run = self._finished_run()
        _fail_on(load.latency_violations(run.stats or {}, run.thresholds), "latency above the thresholds")

    @keyword("Failed Requests Should Stay Within The Error Budget")
    def failed_requests_should_stay_within_the_error_budget(self) -> None:
        """Failed requests / requests at most `max_error_rate` (business rejections are not failures), and
        no exception in the load code.

        | Failed Requests Should Stay Within The Error Budget |
        """
        run = self._finished_run()
        problems = load.error_rate_violations(run.stats or {}, run.thresholds)
        if run.exceptions:
            problems.append(f"the load code raised {run.exceptions} exceptions (see the exceptions CSV)")
        _fail_on(problems, "errors under load")

    @keyword("The Load Should Reach The Minimum Throughput")
    def the_load_should_reach_the_minimum_throughput(self) -> None:
        """Requests per second over the whole run at least `min_rps`.

        | The Load Should Reach The Minimum Throughput |
        """
        run = self._finished_run()
        _fail_on(load.throughput_violations(run.stats or {}, run.thresholds), "throughput below the threshold")

    # ------------------------------------------------------------------ money and events

    def _run_wallets(self, run: load.LoadRun) -> list[str]:
        prefix = run.run_id + "-"
        rows = self.ctx.query(load.RUN_WALLETS_SQL, [len(prefix), prefix])
        if not rows:
            raise AssertionError(f"no wallet of run {run.run_id} in the database, expected the load to open some")
        return [str(row["id"]) for row in rows]

    @keyword("Every Wallet The Load Touched Should Match Its Ledger")
    def every_wallet_the_load_touched_should_match_its_ledger(self) -> None:
        """`Ledger Should Reconcile For` every wallet of the run's owners (in batches): balance = ledger sum, no
        negative balance, both legs of every transfer, one outbox row per change.

        | Every Wallet The Load Touched Should Match Its Ledger |
        """
        wallets = self._run_wallets(self._finished_run())
        problems: list[str] = []
        for start in range(0, len(wallets), load.RECONCILE_BATCH):
            problems += ledger_problems(self.ctx.query, wallets[start : start + load.RECONCILE_BATCH])
        _fail_on(problems, f"{len(problems)} problem(s) in {len(wallets)} wallets")
        logger.info(f"{len(wallets)} wallets reconcile with their ledgers.")

    @keyword("Money Should Be Conserved Across The Run")
    def money_should_be_conserved_across_the_run(self) -> None:
        """Per currency: total balance change = deposits - withdrawals + credits, transfers net to zero, and the
        database's deposits and withdrawals equal what the API answered 201 for (within the amounts whose
        outcome the clients could not know).

        | Money Should Be Conserved Across The Run |
        """
        run = self._finished_run()
        if run.told is None:
            raise AssertionError(f"the load generator wrote no client ledger ({run.client_ledger})")
        prefix = run.run_id + "-"
        fields = ("balance", "deposits", "withdrawals", "credits", "transfers_in", "transfers_out")
        rows = self.ctx.query(load.MONEY_TOTALS_SQL, [len(prefix), prefix])
        totals = {row.pop("currency"): {name: int(row[name]) for name in fields} for row in rows}
        told = json.dumps(run.told.get("money", {}), sort_keys=True)
        logger.info(f"Database totals: {json.dumps(totals, sort_keys=True)}\nClients were told: {told}")
        _fail_on(load.money_violations(totals, run.told), "money not conserved")

    @keyword("Every Committed Change Should Have Published Exactly One Event")
    def every_committed_change_should_have_published_exactly_one_event(self) -> None:
        """Waits (up to `STRESS_EVENT_TIMEOUT` seconds, default 60) until every change of the run's wallets has
        its event, listens 2 s more for late duplicates, then fails on missing, duplicated or unaccounted
        events and on events that break their schema (the process listened since before the load).

        | Every Committed Change Should Have Published Exactly One Event |
        """
        wallets = self._run_wallets(self._finished_run())
        timeout = float(self._optional("STRESS_EVENT_TIMEOUT") or 60)
        problems: list[str] = []
        for start in range(0, len(wallets), load.RECONCILE_BATCH):
            batch = wallets[start : start + load.RECONCILE_BATCH]
            problems += self.ctx.events.reconcile(batch, timeout=timeout, quiet=EVENTS_QUIET_S if not start else 0.0)
        _fail_on(problems, "events do not match the committed changes")
        logger.info(f"Every change of {len(wallets)} wallets has exactly one event.")

    def _require_run(self) -> load.LoadRun:
        if self._run is None:
            raise AssertionError("no load run prepared: call Prepare Load Run first")
        return self._run

    def _finished_run(self) -> load.LoadRun:
        run = self._require_run()
        if run.stats is None:
            raise AssertionError("the load profile has not run (or it failed): see Run Load Profile")
        return run


def _spawn(command: list[str], environ: dict[str, str], console: Path) -> subprocess.Popen[bytes]:
    with console.open("wb") as output:
        return subprocess.Popen(
            command, cwd=load.REPO_ROOT, env=environ, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def _fail_on(problems: list[str], what: str) -> None:
    if problems:
        raise AssertionError(f"{what}:\n{bullet_list(problems)}")
