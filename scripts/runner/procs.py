"""Run robot processes, a few at a time, none of them for ever (stdlib only).

Each process runs in its own process group (robot may start children, e.g. Locust) and writes one JSON line
per suite/test start and end (hooks `Progress`). A process is stopped (SIGTERM, robot then writes its output;
SIGKILL to the whole group 5 s later) when
- a test runs longer than its own timeout + GRACE_S (robot should have stopped it: it is stuck, e.g. in a
  blocking call that robot's timeout cannot interrupt),
- nothing happens outside a test for longer than the batch's longest test timeout + GRACE_S (a suite setup or
  teardown may take as long as a test), or
- the whole process exceeds its limit (the sum of its tests' timeouts, see plan.py).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runner.plan import START_ALLOWANCE_S, Batch, seconds

GRACE_S = 10.0
KILL_AFTER_S = 5.0
POLL_S = 0.05


@dataclass
class Process:
    """One robot process and how it ended."""

    batch: Batch
    directory: Path
    pid: int = 0
    started: float = 0.0
    elapsed: float = 0.0
    returncode: int | None = None
    stopped: str = ""  # why the engine stopped it ('' when it ended by itself)
    current: str = ""  # the test (or suite) it was running last
    ended: dict[str, str] | None = None  # full name -> status of the tests it finished

    @property
    def label(self) -> str:
        return f"{self.batch.phase} process {self.batch.number}"

    @property
    def output(self) -> Path:
        return self.directory / "output.xml"

    @property
    def progress(self) -> Path:
        return self.directory / "progress.jsonl"

    @property
    def died(self) -> bool:
        """Stopped by the engine, killed by a signal, or ended without a readable output."""
        return bool(self.stopped) or (self.returncode or 0) < 0 or not self.output.is_file()

    def describe(self) -> str:
        """`parallel process 3 (pid 123, 47 tests) was killed by SIGKILL after 12.3 s while running 'X'`."""
        what = f"{self.label} (pid {self.pid}, {len(self.batch.tests)} tests)"
        if self.stopped:
            how = f"was stopped after {self.elapsed:.1f} s: {self.stopped}"
        elif (self.returncode or 0) < 0:
            how = f"was killed by {signal.Signals(-self.returncode).name} after {self.elapsed:.1f} s"
        else:
            how = f"ended with exit status {self.returncode} after {self.elapsed:.1f} s without an output.xml"
        return f"{what} {how}" + (f" while running '{self.current}'" if self.current and not self.stopped else "")


class _Watch:
    """Follows a process's progress file and tells when it must be stopped."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.offset = 0
        self.last = process.started
        self.test_started = 0.0
        self.test_timeout = 0.0
        process.ended = {}

    def read(self) -> None:
        try:
            with open(self.process.progress, "rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except FileNotFoundError:
            return
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode("utf-8", "replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self.last = event["t"]
            if event["e"] == "start_test":
                self.process.current, self.test_started = event["name"], event["t"]
                self.test_timeout = seconds(event.get("timeout", "")) or self.process.batch.longest_timeout_s
            elif event["e"] == "end_test":
                self.process.ended[event["name"]] = event["status"]
                self.test_started = 0.0
            elif event["e"] == "start_suite":
                self.process.current = event["name"]

    def overdue(self, now: float) -> str:
        process, batch = self.process, self.process.batch
        if now - process.started > batch.limit_s:
            return f"over its limit of {batch.limit_s:.0f} s (the sum of its tests' timeouts)"
        if self.test_started and now - self.test_started > self.test_timeout + GRACE_S:
            ran = now - self.test_started
            return f"'{process.current}' ran {ran:.0f} s, past its timeout of {self.test_timeout:.0f} s"
        if self.offset == 0 and now - process.started > START_ALLOWANCE_S:
            return f"no test started within {START_ALLOWANCE_S:.0f} s"
        if not self.test_started and self.offset and now - self.last > batch.longest_timeout_s + GRACE_S:
            return f"nothing happened for {now - self.last:.0f} s in '{process.current}' (a setup or teardown hangs)"
        return ""


def run(
    batches: list[Batch],
    command: Callable[[Batch, Path], list[str]],
    workdir: Path,
    slots: int,
    on_end: Callable[[Process], None],
) -> list[Process]:
    """Run every batch (at most `slots` at once; the first ones first) and return how each ended."""
    pending = deque(batches)
    running: dict[int, tuple[Process, subprocess.Popen[bytes], _Watch]] = {}
    done: list[Process] = []
    try:
        while pending or running:
            while pending and len(running) < slots:
                batch = pending.popleft()
                process = Process(batch, workdir / f"{batch.phase}-{batch.number}")
                process.directory.mkdir(parents=True, exist_ok=True)
                with open(process.directory / "console.log", "wb") as console:
                    popen = subprocess.Popen(
                        command(batch, process.directory),
                        stdout=console,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                        preexec_fn=_die_with_parent,  # no threads run while processes start
                    )
                process.pid, process.started = popen.pid, time.time()
                running[popen.pid] = (process, popen, _Watch(process))
            time.sleep(POLL_S)
            now = time.time()
            for pid, (process, popen, watch) in list(running.items()):
                watch.read()
                if popen.poll() is None and not process.stopped:
                    process.stopped = watch.overdue(now)
                    if process.stopped:
                        _stop(popen)
                if popen.returncode is not None:
                    watch.read()
                    _kill_group(popen.pid)  # children robot left behind
                    process.returncode, process.elapsed = popen.returncode, now - process.started
                    del running[pid]
                    done.append(process)
                    on_end(process)
    finally:
        _stop(*(popen for _process, popen, _watch in running.values()))
    return done


def _stop(*popens: subprocess.Popen[bytes]) -> None:
    """SIGTERM (robot stops and writes its output), SIGKILL to each group still there 5 s later."""
    for popen in popens:
        popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + KILL_AFTER_S
    for popen in popens:
        try:
            popen.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill_group(popen.pid)
            popen.wait()


def _die_with_parent() -> None:
    """Linux: the robot process gets SIGKILL if the engine itself is killed (no orphan runs on)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
