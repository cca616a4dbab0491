#!/usr/bin/env python3
"""Trend dashboard of past runs (``./run.sh dashboard``), built with robotframework-dashboard.

Usage::

    dashboard.py [--results-dir results] [--outdir results/dashboard] [--env ENV]... [--keep N] [--title T]

Every kept run ``results/<env>/<timestamp>/output.xml`` (``latest`` links, ``results/dashboard/`` and
``results/shards/`` are skipped) that is not in the history yet is added to the SQLite history
``<outdir>/robot_results.db`` with the environment as a run tag, plus the run tag ``flaky`` when the run had
flaky tests (failed, then passed on their rerun: run.sh tags them ``flaky`` and names them in the run's
metadata ``Flaky tests``, which the dashboard's tag and run views show); the history is then cut to the
newest ``--keep`` runs and ``<outdir>/index.html`` is regenerated (self-contained: JS/CSS embedded,
so it opens from a CI artifact or offline). Already imported outputs are listed in
``<outdir>/imported.txt`` so a run is never added twice. CI keeps the database between runs (cache).

Exit codes: 0 dashboard written; 1 some output could not be imported (the dashboard is still
written); 2 bad usage, no run found in an empty history, or robotdashboard missing/failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"dashboard", "shards"}
DB_NAME = "robot_results.db"
PAGE_NAME = "index.html"
MANIFEST_NAME = "imported.txt"
TIMEOUT_S = 600
FLAKY_MARK = b"<tag>flaky</tag>"  # run.sh's test tag for failed-then-passed-on-rerun


def has_flaky(output: Path) -> bool:
    """Whether the run has a test tagged `flaky` (a byte search: no parse of a large output.xml)."""
    with output.open("rb") as handle:
        tail = b""
        while chunk := handle.read(1 << 20):
            if FLAKY_MARK in tail + chunk:
                return True
            tail = chunk[-len(FLAKY_MARK) :]
    return False


def robotdashboard_command() -> list[str]:
    """The robotdashboard executable beside this Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / "robotdashboard"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("robotdashboard")
    if found:
        return [found]
    raise FileNotFoundError(
        "robotdashboard is not installed: install requirements.txt (robotframework-dashboard) or use ./run.sh dashboard"
    )


def find_outputs(results_dir: Path, envs: list[str] | None = None) -> list[tuple[str, Path]]:
    """``(env, output.xml)`` of every kept run, oldest first (the timestamp directories sort in time order)."""
    found: list[tuple[str, Path]] = []
    if not results_dir.is_dir():
        return found
    for env_dir in sorted(p for p in results_dir.iterdir() if p.is_dir() and not p.is_symlink()):
        if env_dir.name in SKIPPED_DIRS or env_dir.name.startswith(".") or (envs and env_dir.name not in envs):
            continue
        for run_dir in sorted(p for p in env_dir.iterdir() if p.is_dir() and not p.is_symlink()):
            output = run_dir / "output.xml"
            if output.is_file():
                found.append((env_dir.name, output))
    return found


def read_manifest(path: Path) -> set[str]:
    """Resolved paths of the outputs already in the history."""
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def build(results_dir: Path, outdir: Path, envs: list[str] | None, keep: int, title: str) -> tuple[int, list[str]]:
    """Import the new outputs and regenerate the page; return (number of new runs, import errors)."""
    outdir.mkdir(parents=True, exist_ok=True)
    db, manifest = outdir / DB_NAME, outdir / MANIFEST_NAME
    if not db.exists():
        manifest.unlink(missing_ok=True)  # a manifest without its database means nothing
    seen = read_manifest(manifest)
    new = [(env, out.resolve()) for env, out in find_outputs(results_dir, envs) if str(out.resolve()) not in seen]
    if not new and not db.exists():
        raise LookupError(f"no run found under {results_dir}/<env>/<timestamp>/output.xml: run the suites first")

    command = [*robotdashboard_command(), "--databasepath", str(db), "--namedashboard", str(outdir / PAGE_NAME)]
    command += ["--dashboardtitle", title, "--offlinedependencies", "true", "--listruns", "false"]
    command += ["--removeruns", f"limit={keep}"]
    for env, output in new:
        command += ["--outputpath", f"{output}:{env}" + (":flaky" if has_flaky(output) else "")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    if done.returncode != 0 or not (outdir / PAGE_NAME).is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"robotdashboard failed (exit {done.returncode}): {tail[0]}")
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("ERROR")]
    # A copy of a run already in the history is refused by robotdashboard (and harmless): not an error.
    duplicates = [line for line in lines if "same output again" in line]
    errors = [line for line in lines if line not in duplicates]
    imported = [out for _env, out in new if not any(f"'{out}'" in error for error in errors)]
    with manifest.open("a", encoding="utf-8") as handle:
        handle.writelines(f"{out}\n" for out in imported)
    return len(imported) - len(duplicates), errors


def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module docstring for the exit codes."""
    parser = argparse.ArgumentParser(prog="./run.sh dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--results-dir", type=Path, default=REPO_ROOT / "results", help="default: results/")
    parser.add_argument("--outdir", type=Path, help="default: <results-dir>/dashboard")
    parser.add_argument("--env", action="append", help="only this environment (repeatable; default: all)")
    parser.add_argument("--keep", type=int, default=int(os.environ.get("DASHBOARD_KEEP_RUNS", "200")))
    parser.add_argument("--title", default="Wallet API integration tests")
    args = parser.parse_args(argv)
    if args.keep < 1:
        print("dashboard: --keep must be at least 1", file=sys.stderr)
        return 2
    outdir = args.outdir or args.results_dir / "dashboard"
    try:
        added, errors = build(args.results_dir, outdir, args.env, args.keep, args.title)
    except (LookupError, FileNotFoundError, RuntimeError, subprocess.TimeoutExpired) as err:
        print(f"dashboard: {err}", file=sys.stderr)
        return 2
    for error in errors:
        print(f"dashboard: {error}", file=sys.stderr)
    print(f"dashboard: {added} new run(s) added; open {outdir / PAGE_NAME}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
