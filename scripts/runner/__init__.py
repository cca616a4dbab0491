"""The run engine behind `./run.sh` (see `./run.sh --help` and README.md, "How a run works").

A package under scripts/ (not at the top level) because tests/mutants/run_mutants.py runs `./run.sh` from a
private copy of run.sh and scripts/: a long mutation run keeps the engine it started with while the checkout
changes. Modules that run before the virtualenv exists (cli, options, venv, services' quick checks) use the
standard library only; the others import Robot Framework's public API (robot.run_cli, robot.api).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def results_root() -> Path:
    """Where results go: RESULTS_DIR, else results/ of the checkout."""
    return Path(os.environ.get("RESULTS_DIR") or ROOT / "results")


def shown(path: Path | str) -> str:
    """A path relative to where run.sh was called from (RUN_CWD) when it is below it, else absolute."""
    here = Path(os.environ.get("RUN_CWD") or os.getcwd()).resolve()
    resolved = Path(path).resolve()
    return str(resolved.relative_to(here)) if resolved.is_relative_to(here) else str(resolved)
