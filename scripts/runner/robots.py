"""Robot processes: what each was given, how far it got and how it ended; the ones the engine starts itself.

Every robot process (those pabot starts for the parallel phase, and those the engine starts for the serial phase,
--serial, reruns of the serial phase and stress runs) loads the listener `runner_hooks.Progress`, which writes one
JSON line per suite/test start and end into progress.jsonl of the process's output folder, tagged with robot's
pid, and a last line once robot has written its output.xml. A process that has no such last line from its own
pid did not end by itself: it was killed, crashed, or was stopped at its time limit.

The engine runs one robot process at a time per phase itself (plain `robot`), with the same time limit pabot gets
as --processtimeout: SIGTERM at the limit (robot stops and writes its output), SIGKILL to its process group 5 s
later. Every process started here or by pabot runs in its own session; `stop_all()` ends them on an interrupt.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from runner.plan import Batch

PROGRESS = "progress.jsonl"
KILL_AFTER_S = 5.0
_RUNNING: set[subprocess.Popen] = set()  # started here (robot, pabot): stopped by stop_all()
_LOCK = threading.Lock()


@dataclass
class Process:
    """One robot process and how it ended."""

    batch: Batch
    directory: Path
    where: str  # its folder below the run's .parts/
    pid: int = 0
    started: float = 0.0
    elapsed: float = 0.0
    returncode: int | None = None  # None when not known (pabot's process that ended normally)
    stopped: str = ""  # why it was stopped at its time limit ('' when it was not)
    current: str = ""  # the test (or suite) it was running last
    ended: dict[str, str] = field(default_factory=dict)  # full name -> status of the tests it finished
    finished: bool = False  # robot wrote its output.xml itself

    @property
    def label(self) -> str:
        return f"{self.batch.phase} process {self.batch.number}"

    @property
    def output(self) -> Path:
        return self.directory / "output.xml"

    @property
    def died(self) -> bool:
        """Stopped at its limit, killed by a signal, or ended without writing its output."""
        return bool(self.stopped) or (self.returncode or 0) < 0 or not self.finished

    def describe(self) -> str:
        """`parallel process 3 (.parts/parallel/pabot_results/2, pid 123, 47 tests) was killed by SIGKILL ...`."""
        pid = f", pid {self.pid}" if self.pid else ""
        what = f"{self.label} (.parts/{self.where}{pid}, {len(self.batch.tests)} tests)"
        if self.stopped:
            how = f"was stopped after {self.elapsed:.1f} s: {self.stopped}"
        elif (self.returncode or 0) < 0:
            how = f"was killed by {signal.Signals(-self.returncode).name} after {self.elapsed:.1f} s"
        elif not self.pid:
            how = "never started a test"
        else:
            status = f" (exit status {self.returncode})" if self.returncode is not None else ""
            how = f"ended after {self.elapsed:.1f} s without writing its output{status}"
        return f"{what} {how}" + (f" while running '{self.current}'" if self.current else "")


def follow(process: Process) -> None:
    """Bring `process` up to date with its progress file (the lines of robot's own pid only)."""
    try:
        lines = (process.directory / PROGRESS).read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:  # a line cut short by a kill
            continue
        process.pid = process.pid or event["p"]
        if event["p"] != process.pid:
            continue  # pabot's dry run after a --processtimeout kill
        if process.started:
            process.elapsed = max(process.elapsed, event["t"] - process.started)
        if event["e"] == "start_test":
            process.current = event["name"]
        elif event["e"] == "end_test":
            process.ended[event["name"]] = event["status"]
            process.current = ""
        elif event["e"] == "start_suite":
            process.current = event["name"]
        elif event["e"] == "end_suite":
            process.current = ""
        elif event["e"] == "output":
            process.finished = True


def start(command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None):
    """A child in its own session (robot may start children, e.g. Locust; pabot starts robots), output to `log`."""
    with open(log, "wb") as handle:
        popen = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env, cwd=cwd,
        )  # fmt: skip
    with _LOCK:
        _RUNNING.add(popen)
    return popen


def finish(popen: subprocess.Popen) -> None:
    with _LOCK:
        _RUNNING.discard(popen)
    kill_group(popen.pid)  # children left behind


def run_robot(batch: Batch, command: list[str], directory: Path, where: str, env: dict[str, str] | None = None):
    """Run one robot process to its end or its time limit; returns the Process."""
    directory.mkdir(parents=True, exist_ok=True)
    process = Process(batch, directory, where, started=time.time())
    popen = start(command, directory / "console.log", env)
    try:
        popen.wait(batch.limit_s)
    except subprocess.TimeoutExpired:
        process.stopped = f"over its limit of {batch.limit_s:.0f} s (its tests' timeouts)"
        stop(popen)
    finally:
        if popen.poll() is None:  # interrupted
            stop(popen)
        finish(popen)
    process.returncode = popen.returncode
    follow(process)
    process.elapsed = time.time() - process.started
    return process


def stop(*popens: subprocess.Popen, first: int = signal.SIGTERM) -> None:
    """`first` (robot stops and writes its output; pabot stops its robots on SIGINT), SIGKILL to each group
    still there 5 s later (pabot: 15 s, it stops its robots first)."""
    for popen in popens:
        if popen.poll() is None:
            popen.send_signal(first)
    deadline = time.monotonic() + KILL_AFTER_S * (3 if first == signal.SIGINT else 1)
    for popen in popens:
        try:
            popen.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kill_group(popen.pid)
            popen.wait()


def stop_all() -> None:
    """Interrupted: stop every process started here (pabot gets SIGINT: it stops its robot processes)."""
    with _LOCK:
        running = list(_RUNNING)
    stop(*running, first=signal.SIGINT)
    for popen in running:
        finish(popen)


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
