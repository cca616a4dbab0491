"""Model: a seeded, concurrent workload and a checker of every money, key, history and event rule."""

from __future__ import annotations

import os
import secrets

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

from ..model import timeline
from ..model.check import Checker
from ..model.execute import Run, run_workload
from ..model.plan import make_plan
from ..model.report import failure, full_report, rule_table
from . import LibraryComponent

DEFAULT_BUDGET = 12.0  # seconds: room for the late phase to revisit probes more than 7 s old
DEFAULT_CLIENTS = 6


class ModelKeywords(LibraryComponent):
    """Model workload. `Run The Seeded Workload` drives the wallet with concurrent clients for `MODEL_BUDGET`
    seconds (default 12) from the seed `MODEL_SEED` (default: a fresh one, printed): owners with a wallet
    in every supported currency and a whale whose balance passes 2^31 and 2^32; deposits with every gateway
    outcome, pending ones settled by webhooks (in a row or at the same instant, some only late); withdrawals;
    transfers both ways; credit commands (valid, delivered twice, invalid, of 10^8); the same key sent twice
    at once and replayed at once and late; history walks while rows are written, one cursor followed late;
    a short-lived token sent again after it expired. `The Workload Should Keep Every Rule` then checks,
    with only what the contract promises, every rule of the report and fails naming the rules broken, the
    seed, the history of the wallets involved and the command that replays the run."""

    def _variable(self, name: str) -> str | None:
        value = BuiltIn().get_variable_value("${" + name + "}")
        value = os.environ.get(name) if value in (None, "") else value
        return None if value in (None, "") else str(value)

    @keyword("Run The Seeded Workload")
    def run_the_seeded_workload(self) -> Run:
        """Runs the workload of `${MODEL_SEED}` for `${MODEL_BUDGET}` seconds with `${MODEL_CLIENTS}` clients
        (defaults: a fresh seed, 12, 6) and returns the run. The seed and the replay command are logged and
        set as suite metadata.

        | ${run} = | Run The Seeded Workload |
        """
        seed_text = self._variable("MODEL_SEED")
        try:
            seed = int(seed_text) if seed_text else secrets.randbelow(2**31)
            budget = float(self._variable("MODEL_BUDGET") or DEFAULT_BUDGET)
            clients = int(self._variable("MODEL_CLIENTS") or DEFAULT_CLIENTS)
        except ValueError:
            raise AssertionError(
                "MODEL_SEED and MODEL_CLIENTS are whole numbers, MODEL_BUDGET seconds: -v MODEL_SEED:42"
            ) from None
        currencies = [c.strip() for c in self.ctx.setting("SUPPORTED_CURRENCIES").split(",") if c.strip()]
        replay = self.replay_command(seed, budget, clients)
        BuiltIn().set_suite_metadata("Model seed", f"{seed} (replay: {replay})")
        logger.info(
            f"Model workload: seed {seed}, {clients} clients, {budget:g} s. Replay: {replay}", also_console=True
        )
        run = run_workload(self.ctx, make_plan(seed, clients, currencies), budget)
        self.ctx.info(f"{len(run.exchanges)} exchanges by {clients} clients in {run.now():.1f} s")
        return run

    @staticmethod
    def replay_command(seed: int, budget: float, clients: int) -> str:
        """The one command that runs the same operations again."""
        options = f"-v MODEL_SEED:{seed} -v MODEL_BUDGET:{budget:g}"
        if clients != DEFAULT_CLIENTS:
            options += f" -v MODEL_CLIENTS:{clients}"
        return f"./run.sh local {options} suites/model"

    @keyword("The Workload Should Keep Every Rule")
    def the_workload_should_keep_every_rule(self, run: Run) -> None:
        """Checks the finished workload with only what the contract promises and logs the table rule ->
        PASS/FAIL; fails naming each rule broken, with the seed, the operations on the wallets involved (in
        order, requests and answers) and the replay command.

        | The Workload Should Keep Every Rule | ${run} |
        """
        checker = Checker(self.ctx, run)
        checker.responses_follow_the_contract()
        outcomes = checker.outcomes()
        timeline.settlements(checker)
        checker.money(outcomes)
        timeline.history_walks(checker)
        timeline.tokens(checker)
        timeline.reads_after_writes(checker)
        timeline.gateway_charges(checker)
        timeline.events(checker)
        logger.info(f"Model workload, seed {run.plan.seed}:\n{rule_table(checker.findings)}")
        if checker.findings:
            logger.info(self.ctx.scrub(full_report(run, checker.findings)))
            replay = self.replay_command(run.plan.seed, run.budget, run.plan.clients)
            raise AssertionError(self.ctx.scrub(failure(run, checker.findings, replay)))
