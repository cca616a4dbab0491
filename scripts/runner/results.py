"""One report from the robot processes of a run: merged, reruns applied, flaky tests named, counts checked.

- The processes' outputs are grafted into one suite tree by suite names (every process ran the same sources
  under the same root name), in the planned order, each suite spanning the wall time of its parts.
- A test that failed is replaced by its rerun (a fresh process). FAIL then PASS is FLAKY: tag `flaky`, a
  message with the first failure, the root suite's metadata `Flaky tests`; it counts as passed unless
  --fail-on-flaky, which keeps it FAIL. A test tagged `strict` (its failures are findings that need not
  repeat: races, seeded workloads) stays FAIL when its rerun passes, with or without --fail-on-flaky.
  FAIL then FAIL stays failed, with both messages.
- A planned test without a result (its process died or was stopped) is added as FAIL naming the process:
  never dropped. Tests of such processes are not rerun.
- The merged report is checked against the phases' own statuses: every planned test exactly once, with the
  status its phase gave it, and robot's totals adding up. A difference is reported (Outcome.mismatch) and
  fails the run.
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor, ResultWriter

from runner import rules
from runner.plan import Test
from runner.robots import Process

FLAKY_TAG = "flaky"
STRICT_TAG = "strict"
# Robot's messages of a test it failed without running it (its suite's setup failed, a fatal error stopped the run)
NOT_RUN = ("Parent suite setup failed", "Test execution stopped due to a fatal error", "exit-on-failure mode")
EMPTY = '<robot generator="run.sh" rpa="false" schemaversion="5"><suite id="s1" name="{}"/><errors/></robot>'


class MergeMismatch(Exception):
    """The merged report disagrees with the phases' own results (one line)."""


@dataclass
class Outcome:
    """The merged result and what the console, the exit status and the durations history need."""

    result: object  # robot.api.ExecutionResult
    passed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (full name, first line of the message)
    flaky: list[tuple[str, str]] = field(default_factory=list)  # (full name, first line of the first failure)
    skipped: int = 0
    lost: list[str] = field(default_factory=list)  # the processes that died or were stopped, described
    mismatch: str = ""  # how the merged report disagrees with the phases ('' when it agrees)
    first: list[Process] = field(default_factory=list)  # the phases' processes (before reruns)
    elapsed: dict[str, float] = field(default_factory=dict)  # full name -> seconds of the tests that ran
    errors: list[str] = field(default_factory=list)  # robot's own errors (imports, syntax) of every process, once

    @property
    def line(self) -> str:
        """`12 tests, 10 passed, 1 failed, 1 flaky` (and `, N skipped` when there are)."""
        total = self.passed + len(self.failed) + len(self.flaky) + self.skipped
        text = f"{total} tests, {self.passed} passed, {len(self.failed)} failed, {len(self.flaky)} flaky"
        return text + (f", {self.skipped} skipped" if self.skipped else "")


def seeds(result) -> list[str]:
    """`<suite>: <value>` of every suite metadata item named `... seed` (a suite that draws random data records
    its seed and replay command there), so the console shows what replays the run."""
    found: list[str] = []

    def visit(suite) -> None:
        found.extend(
            f"{suite.name}: {key} {value}" for key, value in suite.metadata.items() if key.lower().endswith("seed")
        )
        for child in suite.suites:
            visit(child)

    visit(result.suite)
    return found


def first_line(message: str, limit: int = 200) -> str:
    """A message on one line (its lines joined: robot's first line is often only a heading), cut at `limit`."""
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def tests_of(suite) -> dict:
    """{full name: result test} of a result suite."""
    found = {}

    class Collect(ResultVisitor):
        def visit_test(self, test) -> None:
            found[test.full_name] = test

    suite.visit(Collect())
    return found


def read(output: Path):
    """The result of an output.xml, None when missing or unreadable (a killed robot leaves an empty file)."""
    try:
        return ExecutionResult(str(output)) if output.is_file() else None
    except Exception:
        return None


class Reader:
    """Reads the processes' outputs in a background thread as they end: the CPUs idle while tests wait, and
    the report at the end then only joins the trees and writes. An output changed since it was read (pabot's
    dry run after a --processtimeout stop writes over it) is read again."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="reader")
        self.futures: dict[Path, tuple[tuple[int, int], Future]] = {}

    @staticmethod
    def _stamp(output: Path) -> tuple[int, int]:
        try:
            stat = output.stat()
        except OSError:
            return (0, 0)
        return (stat.st_mtime_ns, stat.st_size)

    def add(self, output: Path) -> None:
        self.futures[output] = (self._stamp(output), self.pool.submit(read, output))

    def get(self, output: Path):
        stamp, future = self.futures.pop(output, (None, None))
        return future.result() if future and stamp == self._stamp(output) else read(output)


def graft(into, other) -> None:
    """Move the suites and tests of `other` into `into`, joining suites of the same name."""
    for child in list(other.suites):
        same = next((suite for suite in into.suites if suite.name == child.name), None)
        if same is None:
            into.suites.append(child)
            continue
        for fixture in ("setup", "teardown"):  # a failed fixture of any part is kept
            if getattr(child, fixture) and getattr(child, fixture).failed:
                setattr(same, fixture, getattr(child, fixture))
        graft(same, child)
    for test in list(other.tests):
        into.tests.append(test)


def _order_and_time(suite, order: dict[str, int]) -> int:
    """Sort children in the planned order; a suite spans its parts' wall time. Returns its first index."""
    firsts = {id(child): _order_and_time(child, order) for child in suite.suites}
    suite.suites.sort(key=lambda child: firsts[id(child)])
    suite.tests.sort(key=lambda test: order.get(test.full_name, len(order)))
    items = [*suite.suites, *suite.tests, suite.setup, suite.teardown]
    starts = [item.start_time for item in items if item and item.start_time]
    ends = [item.end_time for item in items if item and item.end_time]
    if starts and ends:
        suite.start_time, suite.end_time = min(starts), max(ends)
    return min([*firsts.values(), *(order.get(t.full_name, len(order)) for t in suite.tests)], default=len(order))


def _add_lost(root, test: Test, message: str) -> None:
    suite = root
    for name in test.suites[1:]:
        suite = next((s for s in suite.suites if s.name == name), None) or suite.suites.create(name=name)
    now = datetime.now()
    suite.tests.create(name=test.path[-1], tags=test.tags, status="FAIL", message=message, start_time=now, end_time=now)


def _merge_first_runs(first: list[Process], root: str, reader: Reader, errors: list[str]):
    """(merged result, {full name: status}, names of the tests lost with their process); every process's
    robot errors (an import that failed, a syntax error) once into `errors` and into the merged log."""
    result, expected, lost = None, {}, set()
    seen: set[str] = set()
    for process in first:
        part = reader.get(process.output)
        for message in list(part.errors.messages) if part else []:
            if message.message not in seen and result is not None:
                result.errors.messages.append(message)
            seen.add(message.message)
            if message.level == "ERROR" and message.message not in errors:
                errors.append(message.message)
        tests = tests_of(part.suite) if part else {}
        expected.update({name: test.status for name, test in tests.items()})
        for name, test in tests.items():
            if process.died and test.status == "FAIL":  # robot failed what it could not finish when stopped
                test.message = f"[{process.describe()}] {test.message}"
                lost.add(name)
        if part is not None:
            if result is None:
                result = part
            else:
                graft(result.suite, part.suite)
    result = result or ExecutionResult(EMPTY.format(root))
    for process in first:
        for test in process.batch.tests:
            if process.died and test.full_name not in expected:
                before = process.ended.get(test.full_name)
                ran = f" It had ended {before} before; its result was lost with the process." if before else ""
                _add_lost(result.suite, test, f"Lost: {process.describe()}. Counted as failed, not rerun.{ran}")
                expected[test.full_name] = "FAIL"
                lost.add(test.full_name)
    return result, expected, lost


def _apply_rerun(part, process: Process, tree: dict, expected: dict, outcome: Outcome, fail_on_flaky: bool) -> None:
    rerun = tests_of(part.suite) if part else {}
    where = {test.full_name: process.where for process in outcome.first for test in process.batch.tests}
    for planned in process.batch.tests:
        name = planned.full_name
        old, new = tree.get(name), rerun.get(name)
        if old is None:
            continue
        if new is None or new.status not in ("PASS", "FAIL") or (process.died and new.status == "FAIL"):
            why = process.describe() if process.died else f"the rerun ended {new.status if new else 'without it'}"
            old.message = f"Failed; its rerun gave no verdict ({why}). {old.message}"
            continue
        first = first_line(old.message)
        old.parent.tests[old.parent.tests.index(old)] = new
        tree[name] = new
        if new.status == "PASS":
            strict = STRICT_TAG in new.tags  # a finding that did not repeat is still a finding
            new.tags.add(FLAKY_TAG)
            counted = "counted as passed"
            if strict or fail_on_flaky:
                counted = f"counted as failed: {'tag strict' if strict else '--fail-on-flaky'}"
            new.message = (
                f"FLAKY ({counted}): failed, then passed when rerun in a fresh process (the first run's log: "
                f".parts/{where.get(name, '?')}/output.xml). First failure: {first}"
            )
            new.status = "FAIL" if strict or fail_on_flaky else "PASS"
            if not strict:  # a strict one is counted, named and notified as failed
                outcome.flaky.append((name, first))
        else:
            same = first_line(new.message) == first  # the rerun's whole message stays (a replay command, ...)
            new.message = "Failed twice (also when rerun in a fresh process" + (
                f"): {new.message}" if same else f"; first run: {first}). Rerun: {new.message}"
            )
        expected[name] = new.status


def combine(
    planned: list[Test], first: list[Process], reruns: list[Process], fail_on_flaky: bool, root: str, reader: Reader
) -> Outcome:
    """Merge a run's processes (see the module docstring)."""
    errors: list[str] = []
    result, expected, lost = _merge_first_runs(first, root, reader, errors)
    outcome = Outcome(result, lost=[p.describe() for p in [*first, *reruns] if p.died], first=first, errors=errors)
    tree = tests_of(result.suite)
    for process in reruns:
        _apply_rerun(reader.get(process.output), process, tree, expected, outcome, fail_on_flaky)
    _order_and_time(result.suite, {test.full_name: test.index for test in planned})
    flaky = [name for name, _ in outcome.flaky]
    result.suite.metadata["Flaky tests"] = f"{len(flaky)}: {', '.join(flaky)}" if flaky else "0"
    try:
        check(result, Counter(test.full_name for test in planned), expected)
    except MergeMismatch as error:
        outcome.mismatch = str(error)
    _count(outcome, tree, lost)
    return outcome


def _count(outcome: Outcome, tree: dict, lost: set[str]) -> None:
    flaky = {name for name, _ in outcome.flaky}
    for name, test in tree.items():
        if name not in lost and test.status in ("PASS", "FAIL") and not any(why in test.message for why in NOT_RUN):
            outcome.elapsed[name] = test.elapsed_time.total_seconds()
        if name in flaky:
            continue
        if test.status == "FAIL":
            outcome.failed.append((name, first_line(test.message)))
        elif test.status == "PASS":
            outcome.passed += 1
        else:
            outcome.skipped += 1


def check(result, wanted: Counter[str], expected: dict[str, str]) -> None:
    """Every planned test exactly once, with the status its phase gave it; robot's totals agree."""
    seen: Counter[str] = Counter()
    statuses: dict[str, str] = {}
    for name, test in tests_of(result.suite).items():
        statuses[name] = test.status
    result.suite.visit(_Counter(seen))
    problems = [f"'{n}' appears {seen[n]} times, planned {wanted[n]}" for n in seen | wanted if seen[n] != wanted[n]]
    problems += [
        f"'{name}' is {status} in the report but {expected.get(name, 'absent')} in its phase"
        for name, status in statuses.items()
        if status != expected.get(name)
    ]
    totals = result.statistics.total
    counted = Counter(expected.get(name, "absent") for name in wanted.elements())
    mine = (sum(wanted.values()), counted["PASS"], counted["FAIL"], counted["SKIP"])
    if (totals.total, totals.passed, totals.failed, totals.skipped) != mine:
        problems.append(
            f"report totals {totals.total}/{totals.passed}/{totals.failed}/{totals.skipped} (all/pass/fail/skip), "
            "phases {}/{}/{}/{}".format(*mine)
        )
    if problems:
        raise MergeMismatch(f"the merged report disagrees with the phases: {'; '.join(problems[:5])}")


class _Counter(ResultVisitor):
    def __init__(self, seen: Counter[str]) -> None:
        self.seen = seen

    def visit_test(self, test) -> None:
        self.seen[test.full_name] += 1


def write(result, outdir: Path) -> None:
    """output.xml, log.html, report.html and xunit.xml of a result."""
    outdir.mkdir(parents=True, exist_ok=True)
    result.configure(stat_config=rules.statistics(outdir))  # each rule:<id> tag: its text, a link to its section
    with contextlib.redirect_stdout(io.StringIO()):
        ResultWriter(result).write_results(
            output=str(outdir / "output.xml"),
            log=str(outdir / "log.html"),
            report=str(outdir / "report.html"),
            xunit=str(outdir / "xunit.xml"),
        )


def summarize(result) -> Outcome:
    """The counts of a finished result (flaky tests are those tagged `flaky`)."""
    outcome = Outcome(result)
    tree = tests_of(result.suite)
    outcome.flaky = [(name, first_line(test.message)) for name, test in tree.items() if FLAKY_TAG in test.tags]
    _count(outcome, tree, set())
    return outcome


def merge_files(outputs: list[Path], outdir: Path) -> Outcome:
    """Merge finished runs (shards; their flaky tags and lost tests kept) into outdir and write the reports."""
    result = ExecutionResult(str(outputs[0]))
    for other in outputs[1:]:
        graft(result.suite, ExecutionResult(str(other)).suite)
    outcome = summarize(result)
    flaky = [name for name, _ in outcome.flaky]
    result.suite.metadata["Flaky tests"] = f"{len(flaky)}: {', '.join(flaky)}" if flaky else "0"
    write(result, outdir)
    return outcome
