"""Model: a seeded, concurrent workload and a checker of every money, key, history and event rule."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

from variables._settings import LOCAL_ENVIRONMENTS, SETTINGS, SettingsError, resolve, robot_variable, shell_quote

from ..model import history, observe, timeline
from ..model.check import Checker
from ..model.execute import run_workload
from ..model.faults import OUTAGES
from ..model.plan import make_plan
from ..model.records import Run
from ..model.report import coverage_table, failure, full_report, rule_table, summary
from . import LibraryComponent

DEFAULT_BUDGET = 12.0  # seconds: room for the late phase to revisit probes more than 7 s old
OUTAGE_BUDGET = 8.0  # seconds: the outage run (destructive lane, beside the parallel phase) stays short
DEFAULT_CLIENTS = 6
SUITES = {False: "suites/model/workload.robot", True: "suites/model/outages.robot"}  # what a replay runs


class ModelKeywords(LibraryComponent):
    """Model workload. `Run The Seeded Workload` drives the wallet with concurrent clients for `MODEL_BUDGET`
    seconds (default 12) from the seed `MODEL_SEED` (default: a fresh one, printed): owners with a wallet
    in every supported currency and a whale whose balance passes 2^31 and 2^32; deposits with every gateway
    outcome, pending ones settled by webhooks (in a row or at the same instant, some only late); withdrawals;
    transfers both ways; credit commands (valid, delivered twice, invalid, of 10^8); the same key sent twice
    at once and replayed at once and late; history walks while rows are written, one cursor followed late.
    `The Workload Should Keep Every Rule` then checks,
    with only what the contract promises, every rule of the report and fails naming the rules broken, the
    seed, the history of the wallets involved and the command that replays the run."""

    def _variable(self, name: str) -> str | None:
        value = robot_variable(name)
        value = os.environ.get(name) if value in (None, "") else value
        return None if value in (None, "") else str(value)

    @keyword("Run The Seeded Workload")
    def run_the_seeded_workload(self, outages: bool = False) -> Run:
        """Runs the workload of `${MODEL_SEED}` for `${MODEL_BUDGET}` seconds with `${MODEL_CLIENTS}` clients
        (defaults: a fresh seed, 12, 6) under the seed's fault windows and returns the run. With `outages`
        (only where the run owns the stack: tag `destructive`), the wallet's broker is also cut and its database
        sessions killed in windows while the requests flow. The seed and the replay command are logged and set
        as suite metadata.

        | ${run} = | Run The Seeded Workload |
        | ${run} = | Run The Seeded Workload | outages=${True} |
        """
        seed_text = self._variable("MODEL_SEED")
        try:
            seed = int(seed_text) if seed_text else secrets.randbelow(2**31)
            budget = float(self._variable("MODEL_BUDGET") or (OUTAGE_BUDGET if outages else DEFAULT_BUDGET))
            clients = int(self._variable("MODEL_CLIENTS") or DEFAULT_CLIENTS)
        except ValueError:
            raise AssertionError(
                "MODEL_SEED and MODEL_CLIENTS are whole numbers, MODEL_BUDGET seconds: -v MODEL_SEED:42"
            ) from None
        currencies = [c.strip() for c in self.ctx.setting("SUPPORTED_CURRENCIES").split(",") if c.strip()]
        replay = replay_command(seed, budget, clients, SUITES[outages])
        BuiltIn().set_suite_metadata("Model seed", f"{seed} (replay the schedule, not the interleaving: {replay})")
        logger.info(
            f"Model workload: seed {seed}, {clients} clients, {budget:g} s. "
            f"Replay (the same schedule; the interleaving is the machine's): {replay}",
            also_console=True,
        )
        run = run_workload(self.ctx, make_plan(seed, clients, currencies), budget, outages)
        self.ctx.info(f"{len(run.exchanges)} exchanges by {clients} clients in {run.now():.1f} s")
        return run

    @keyword("The Workload Should Keep Every Rule")
    def the_workload_should_keep_every_rule(self, run: Run) -> None:
        """Resolves what the workload left open, reads what it left once the system is quiet (`observe.py`),
        writes the whole history as JSON Lines into the output directory (pass or fail), judges it with the
        oracle (`check.py`, `timeline.py`) and logs the tables rule -> PASS/FAIL/NOT EXERCISED and operation x
        outcome x fault; fails naming each rule broken, with the seed, the causal slice of each finding and
        the command that replays the schedule.

        | The Workload Should Keep Every Rule | ${run} |
        """
        observed = observe.collect(self.ctx, run)
        outages = any(w["kind"] in OUTAGES for w in run.faults)
        replay = replay_command(run.plan.seed, run.budget, run.plan.clients, SUITES[outages])
        output = Path(str(robot_variable("OUTPUT_DIR") or "."))
        if ".parts" in output.parts:  # a process of the parallel phase: the run's own folder
            output = Path(*output.parts[: output.parts.index(".parts")])
        saved = history.write(output / f"model-history-{run.plan.seed}.jsonl", run, observed, replay, self.ctx.scrub)
        checker = judge(run, observed)
        logger.info(f"Model workload, seed {run.plan.seed}, faults {run.faults}:\n{rule_table(checker)}")
        logger.info(f"Operations x outcomes x faults:\n{coverage_table(run)}")
        line = self.ctx.scrub(summary(run, checker))
        logger.info(f"{line}. History: {saved}", also_console=True)
        BuiltIn().set_suite_metadata(  # the console shows this (the runner prints every '... seed' metadata)
            "Model seed", f"{run.plan.seed} (replay the schedule, not the interleaving: {replay}). {line}"
        )
        if checker.findings:
            logger.info(self.ctx.scrub(full_report(run, checker.findings)))
            raise AssertionError(self.ctx.scrub(failure(run, checker.findings, replay, str(saved))))


def replay_command(seed: int, budget: float, clients: int, suite: str) -> str:
    """The one command that runs the same schedule again (the same operations and fault windows from the
    seed; the interleaving of the clients is the machine's): this run's environment and, for every address or
    name this run took from the environment, the same value (passwords shown as ***). What run.sh set for a
    private stack of its own (the serial phase's) is left out: that stack is gone, and the replay's run.sh
    makes its own."""
    options = f"-v MODEL_SEED:{seed} -v MODEL_BUDGET:{budget:g}"
    if clients != DEFAULT_CLIENTS:
        options += f" -v MODEL_CLIENTS:{clients}"
    environment = _environment()
    try:  # what the environment's own defaults give needs no export
        defaults = resolve(environment, {}) if environment in LOCAL_ENVIRONMENTS else {}
    except SettingsError:
        defaults = {}
    private = set(os.environ.get("PRIVATE_STACK_SETTINGS", "").split())
    exported = [
        f"{s.name}={shell_quote(_masked(os.environ[s.name]))}"
        for s in SETTINGS
        if os.environ.get(s.name)
        and not s.secret
        and s.name not in private
        and os.environ[s.name] != defaults.get(s.name)
    ]
    return " ".join([*exported, f"./run.sh {environment} {options} {suite}"])


def judge(run: Run, observed: dict) -> Checker:
    """Every rule of the oracle on a run and its observations (live, or loaded by `recheck.py`)."""
    checker = Checker(run, observed)
    checker.step("responses", ["http.documented-responses", "money.no-negative-balance"], checker.responses)
    checker.step("keys", ["idempotency.in-use", "idempotency.replay-byte-identical"], checker.keys)
    checker.step("money", ["money.balance-equals-ledger", "idempotency.replay-no-reexecution"], checker.money)
    steps = {
        "reads": (timeline.reads, ["wallets.get"]),
        "reads after writes": (timeline.reads_after_writes, ["wallets.get"]),
        "history walks": (timeline.history_walks, ["history.cursor-walk"]),
        "webhooks": (timeline.webhooks, ["webhooks.repeat-no-change", "webhooks.settle-succeeded"]),
        "gateway": (timeline.gateway_charges, ["gateway.no-retry", "gateway.charge-request"]),
        "gateway script": (timeline.gateway_script, ["deposits.gateway-error", "deposits.gateway-timeout"]),
        "outages": (timeline.outages, ["resilience.broker-down-commits", "resilience.database-reconnect"]),
        "events": (timeline.events, ["events.exactly-once", "events.envelope"]),
    }
    for name, (function, rules) in steps.items():
        checker.step(name, rules, lambda function=function: function(checker))
    return checker


def _masked(value: str) -> str:
    return re.sub(r"(//[^:/@]+:)[^@]+@", r"\1***@", value)


def _environment() -> str:
    return str(robot_variable("ENVIRONMENT") or "local")
