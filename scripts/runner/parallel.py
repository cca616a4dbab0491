"""The parallel phase (and its reruns) through pabot's command line.

- The engine's batches (plan.deal) become a pabot `--ordering` file: one `{ ... }` group of `--test` lines per
  batch, the longest first, with `--testlevelsplit` (pabot lists tests, not suites, and keeps each group in one
  robot process). Per-test mode: the same lines without groups, one robot process per test.
- `--processes N`, `--processtimeout` = the longest batch's limit (its tests' own timeouts, see plan.py): pabot
  stops a process past it and runs it again as a dry run that marks its tests failed.
- `--no-pabotlib` (the suites use no PabotLib; no shared port 8270 between runs), `--no-rebot` (the engine merges
  the processes' outputs itself, reading each one as soon as it is written), `--pabotconsole quiet --verbose`:
  pabot's messages go to pabot_results/pabot_manager.log with each process's exit status; its warnings (a
  process stopped at the time limit) also to the console.
- pabot runs in the phase's own folder (its `.pabotsuitenames` stays there; runs never share it) and writes each
  robot process's files to pabot_results/<n>/: robot_argfile.txt (its tests: how the engine maps it to its
  batch), robot_stdout.out, output.xml and the engine's progress.jsonl.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from runner.plan import Batch
from runner.robots import KILL_AFTER_S, Process, finish, follow, kill_group, start

POLL_S = 0.2
KILLED = re.compile(r"\[ID:(\d+)\] Process .* killed due to exceeding the maximum timeout of (\d+) seconds")
FAILED = re.compile(r"\[ID:(\d+)\] Execution failed in .* with (-?\d+) failing test")
STARTED = re.compile(r"\[PID:(\d+)\] \[\d+\] \[ID:\d+\] EXECUTING")


def ordering(batches: list[Batch], grouped: bool) -> str:
    """pabot's --ordering file: a `{ }` group of `--test` lines per batch (none in per-test mode)."""
    lines: list[str] = []
    for batch in batches:
        tests = [f"--test {test.full_name}" for test in batch.tests]
        lines += ["{", *tests, "}"] if grouped else tests
    return "\n".join(lines) + "\n"


def unescape(pattern: str) -> str:
    """A test name from pabot's `--test` pattern (pabot escapes `[`, `?` and `*` as `[[]`, `[?]`, `[*]`)."""
    return pattern.replace("[*]", "*").replace("[?]", "?").replace("[[]", "[")


def command(batches: list[Batch], folder: Path, processes: int, per_test: bool, robot_args: list[str]) -> list[str]:
    """The pabot command line of one phase; writes its ordering file into `folder`."""
    order = folder / "ordering.txt"
    order.write_text(ordering(batches, grouped=not per_test), encoding="utf-8")
    limit = math.ceil(max(batch.limit_s for batch in batches))
    pabot = [str(Path(sys.executable).parent / "pabot"), "--processes", str(processes), "--testlevelsplit"]
    pabot += ["--ordering", str(order), "--processtimeout", str(limit), "--no-pabotlib", "--no-rebot"]
    pabot += ["--pabotconsole", "quiet", "--verbose"]
    return [*pabot, "--outputdir", str(folder), *robot_args]


def run(
    batches: list[Batch],
    args: list[str],
    folder: Path,
    where: str,
    env: dict[str, str],
    on_end: Callable[[Process], None],
    say: Callable[[str], None],
) -> list[Process]:
    """Run pabot (`args`: its command line) in `folder`; `on_end` hears of every robot process as it ends."""
    folder.mkdir(parents=True, exist_ok=True)
    of = {test.full_name: batch for batch in batches for test in batch.tests}
    found: dict[str, Process] = {}  # pabot_results/<n> -> its process
    reported: set[str] = set()
    popen = start(args, folder / "pabot_console.log", env, cwd=folder)
    try:
        while popen.poll() is None:
            time.sleep(POLL_S)
            _look(folder / "pabot_results", found, reported, of, where, on_end)
    finally:
        if popen.poll() is None:  # interrupted
            _look(folder / "pabot_results", found, reported, of, where, None)  # every robot's pid
            _stop(popen, folder, found)
        finish(popen)
    _look(folder / "pabot_results", found, reported, of, where, None)
    _pabot_says(folder, found, say)
    for index, process in found.items():
        if index not in reported:  # died, or stopped at the time limit (pabot's dry run wrote no progress)
            on_end(process)
    processes = list(found.values())
    given = {id(process.batch) for process in processes}
    for batch in batches:  # pabot never started it (pabot failed: see its console log)
        if id(batch) not in given:
            lost = Process(batch, folder, f"{where}/pabot_console.log")
            processes.append(lost)
            on_end(lost)
    if popen.returncode not in (0, 253):  # 253: every process ran (--no-rebot)
        say(f"pabot ended with exit status {popen.returncode}: see .parts/{where}/pabot_console.log")
    return sorted(processes, key=lambda process: process.batch.number)


def _stop(popen: subprocess.Popen, folder: Path, found: dict[str, Process]) -> None:
    """Interrupted: SIGINT to pabot (it schedules nothing more), SIGTERM to every robot process it started (they
    run in sessions of their own), SIGKILL to the groups of all of them still there 5 s later."""
    pids = {process.pid for process in found.values() if process.pid}
    try:
        pids |= {int(pid) for pid in STARTED.findall(_manager_log(folder).read_text(errors="replace"))}
    except FileNotFoundError:
        pass
    popen.send_signal(signal.SIGINT)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(KILL_AFTER_S)
    for pid in {*pids, popen.pid}:
        kill_group(pid)
    popen.wait()


def _manager_log(folder: Path) -> Path:
    return folder / "pabot_results" / "pabot_manager.log"


def _look(results: Path, found: dict, reported: set, of: dict, where: str, on_end) -> None:
    """Adopt the robot processes pabot started, follow them, and report those that ended (`on_end` None: none)."""
    folders = [p for p in results.iterdir() if p.name.isdigit()] if results.is_dir() else []
    for directory in sorted(folders, key=lambda p: int(p.name)):
        index = directory.name
        if index not in found:
            process = _adopt(directory, of, f"{where}/pabot_results/{index}")
            if process is None:
                continue
            found[index] = process
        if index in reported:
            continue
        follow(found[index])
        if found[index].finished and on_end:
            reported.add(index)
            on_end(found[index])


def _adopt(directory: Path, of: dict[str, Batch], where: str) -> Process | None:
    """The Process of a pabot_results/<n> folder: its batch from the tests in pabot's argument file."""
    argfile = directory / "robot_argfile.txt"
    try:
        lines = argfile.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None  # pabot is about to write it
    names = [unescape(line[len("--test ") :]) for line in lines if line.startswith("--test ")]
    batch = next((of[name] for name in names if name in of), None)
    return Process(batch, directory, where, started=argfile.stat().st_mtime) if batch else None


def _pabot_says(folder: Path, found: dict[str, Process], say: Callable[[str], None]) -> None:
    """What only pabot knows: which processes it stopped at --processtimeout, and robot's exit status."""
    try:
        log = _manager_log(folder).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    for index, code in FAILED.findall(log):
        if index in found and code != "-1":  # -1: pabot stopped it (below) or was interrupted
            found[index].returncode = int(code)
    for index, limit in KILLED.findall(log):
        if index in found:
            found[index].stopped = f"pabot's --processtimeout of {limit} s (its tests' timeouts)"
            found[index].elapsed = max(found[index].elapsed, float(limit))
            say(f"pabot stopped {found[index].label} at its time limit of {limit} s")
