"""Judges a saved model history again, offline: `.venv/bin/python scripts/model_check.py <model-history-N.jsonl>`.

The file holds the exchanges and what was observed once the system was quiet (`history.py`); the same oracle
as the live run (`keywords/model.judge`) judges them, prints the rule table, the table operation x outcome x
fault and every finding with its causal slice, and exits 1 when a rule is broken (0 otherwise, 2 for a file
that is not a model history). Nothing is sent anywhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..keywords.model import judge
from .history import load
from .report import coverage_table, full_report, rule_table, summary


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_file():
        print("usage: scripts/model_check.py <results/.../model-history-<seed>.jsonl>", file=sys.stderr)
        return 2
    try:
        run, observed, replay = load(Path(argv[0]))
    except (AssertionError, ValueError, KeyError) as error:
        print(f"model_check: {argv[0]} is not a model history: {error}", file=sys.stderr)
        return 2
    checker = judge(run, observed)
    print(rule_table(checker))
    print(coverage_table(run))
    print(summary(run, checker))
    if checker.findings:
        print(full_report(run, checker.findings))
        print(f"Replay the schedule: {replay}")
        return 1
    return 0
