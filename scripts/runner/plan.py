"""Plan a suite run: which tests (robot decides, through its own command line), which phase, which process.

- Listing: `robot.run_cli` in this process with the user's options and the hooks `Strip` + `Lister`, so the
  selection is exactly robot's (tags, names, the user's pre-run modifiers such as the shard filter) and nothing
  runs. Robot's own complaints (a bad option value, a suite that does not parse) become one line.
- Phases: `parallel` (not destructive, not stress), `serial` (destructive; never on staging), or only the
  stress tests (serially) with --stress.
- Processes: chunk mode deals the parallel tests into N processes by their expected time (the elapsed time of
  the last runs of suites/, results/.durations.json), whole suites where they fit, the longest first into the
  least loaded process; while most tests have no measured time yet, into up to 3 x N smaller batches handed
  out as processes finish. Per-test mode gives every test its own process; serial mode one process.
- Time limits: a process may take its tests' own timeouts (robot's `[Timeout]`/`Test Timeout`) plus, per suite,
  its longest test timeout for setup and teardown, plus a start-up allowance (pabot's --processtimeout: the
  longest of a phase's processes).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from runner import ROOT
from runner.options import BadInput, RunOptions

HOOKS = ROOT / "scripts" / "runner" / "hooks"
DURATIONS = ROOT / "results" / ".durations.json"  # measured test times of suites/, for dealing the tests
DEFAULT_TIMEOUT_S = 600.0  # a test without a timeout (the project's suites always set one)
START_ALLOWANCE_S = 20.0  # interpreter, robot and library imports (~3.5 s for 8 processes at once, loaded)
SUITE_OVERHEAD_S = 0.2  # expected setup + teardown of one suite in one process
MIN_COST_S = 0.01  # the least a test is expected to take (a measured 0 would divide the deal by zero)
UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(days?|d|hours?|h|milliseconds?|millis?|ms|minutes?|mins?|m|seconds?|secs?|s)")


@dataclass
class Test:
    """One planned test."""

    full_name: str
    path: list[str]  # suite names below the root, then the test name (what hooks.Select matches)
    suites: list[str]  # suite names from the root to the test's suite
    tags: list[str]
    timeout_s: float
    index: int = 0  # position in the planned order
    source: str = ""  # the suite file

    @property
    def suite(self) -> str:
        return ".".join(self.suites)


@dataclass
class Batch:
    """The tests of one robot process."""

    phase: str
    number: int
    tests: list[Test]
    limit_s: float = 0.0


@dataclass
class Plan:
    root: str
    tests: list[Test]
    phases: dict[str, list[Test]] = field(default_factory=dict)


def seconds(text: str) -> float | None:
    """Robot's time formats (`1 minute 30 s`, `90`, `1:30`, `2h`) in seconds; None when not understood."""
    text = text.strip().lower().replace(" and ", " ")
    if not text or "${" in text:
        return None
    with contextlib.suppress(ValueError):
        return float(text)
    if re.fullmatch(r"\d+(:\d+){1,2}(\.\d+)?", text):
        return sum(float(part) * 60**i for i, part in enumerate(reversed(text.split(":"))))
    total, rest = 0.0, text.replace(" ", "")
    for number, unit in _UNIT.findall(text.replace(" ", "")):
        key = "ms" if unit.startswith("milli") or unit == "ms" else unit[0]
        total += float(number) * UNITS[key]
        rest = rest.replace(number + unit, "", 1)
    return total if total and not rest else None


def normalized(tag: str) -> str:
    return tag.lower().replace(" ", "").replace("_", "")


def list_tests(opts: RunOptions, sources: list[str], workdir: Path) -> Plan:
    """The tests robot selects with the user's options (nothing runs). Raises BadInput."""
    import robot  # the virtualenv's; imported here so that the stdlib-only modules can import this one

    target = workdir / "listing.json"
    args = [*opts.robot_args, *common_naming(opts, sources), "--pythonpath", str(HOOKS)]
    args += ["--prerunmodifier", "runner_hooks.Strip", "--listener", f"runner_hooks.Lister:{target}"]
    args += ["--console", "none", "--output", "NONE", "--report", "NONE", "--log", "NONE", "--runemptysuite"]
    with tempfile.TemporaryFile("w+") as errors:
        saved = os.dup(2)
        os.dup2(errors.fileno(), 2)
        try:
            code = robot.run_cli([*args, *sources], exit=False)
        except SystemExit as stop:  # robot exits on an unknown option even with exit=False
            code = stop.code if isinstance(stop.code, int) else 252
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        errors.seek(0)
        complaint = [line.strip() for line in errors.read().splitlines() if line.startswith("[ ERROR ]")]
    if code or not target.is_file():  # other errors (e.g. a bad setting in a suite file) show in the run's log
        first = complaint[0].removeprefix("[ ERROR ]").strip() if complaint else f"robot exited {code}"
        raise BadInput(f"robot refused the options or suites: {first}")
    listing = json.loads(target.read_text(encoding="utf-8"))
    tests = [
        Test(
            t["full_name"],
            t["path"],
            t["suites"],
            t["tags"],
            seconds(t["timeout"]) or DEFAULT_TIMEOUT_S,
            i,
            t["source"],
        )
        for i, t in enumerate(listing["tests"])
    ]
    return Plan(listing["root"], tests)


def common_naming(opts: RunOptions, sources: list[str]) -> list[str]:
    """One root suite name for every process and phase (their outputs are merged by suite names)."""
    return ["--name", "Suites"] if len(sources) > 1 and not opts.name_given else []


def split_phases(plan: Plan, environment: str, stress: bool) -> dict[str, list[Test]]:
    """{'parallel': [...], 'serial': [...]}: what runs in which phase."""

    def has(test: Test, tag: str) -> bool:
        return any(normalized(t) == tag for t in test.tags)

    if stress:
        serial = [
            t for t in plan.tests if has(t, "stress") and not (environment == "staging" and has(t, "destructive"))
        ]
        return {"parallel": [], "serial": serial}
    runnable = [t for t in plan.tests if not has(t, "stress")]
    serial = [] if environment == "staging" else [t for t in runnable if has(t, "destructive")]
    return {"parallel": [t for t in runnable if not has(t, "destructive")], "serial": serial}


def durations_file() -> tuple[Path, bool]:
    """(the file of measured test times, whether the user chose it: DURATIONS_FILE). A run records into the
    default file only when it ran the project's suites (throwaway suites would pollute it)."""
    chosen = os.environ.get("DURATIONS_FILE", "")
    return (Path(chosen), True) if chosen else (DURATIONS, False)


def load_durations(path: Path) -> dict[str, float]:
    """{full name: seconds} of a durations file; anything unreadable or unlike a time (a list, text, 0, a
    negative number, NaN) is left out: a damaged file costs a less even deal, never a run."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(name): float(value)
        for name, value in data.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < math.inf
    }


def save_durations(path: Path, measured: dict[str, float]) -> None:
    """Keep the elapsed time of every test that ran, its last run's: a changed test is dealt by what it takes
    now (all tests of one run are slowed alike by a busy machine, so their ratios hold). A time of 0 (a test
    failed by its suite's setup never ran) is no measure and is not kept."""
    known = load_durations(path)
    known.update({name: round(elapsed, 3) for name, elapsed in measured.items() if round(elapsed, 3) > 0})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(known, indent=0, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


def deal(phase: str, tests: list[Test], mode: str, processes: int, durations: dict[str, float]) -> list[Batch]:
    """The robot processes of one phase (see the module docstring)."""
    if not tests:
        return []
    if mode == "serial" or phase.startswith("serial"):
        groups = [tests]
    elif mode == "per-test" or processes >= len(tests):
        groups = [[test] for test in tests]
    else:
        known = sum(1 for test in tests if test.full_name in durations)
        # Without a measured time for most tests, smaller batches (up to 3 x N, of 5 tests at least) handed out
        # as processes finish even out what the estimate gets wrong, at the price of a few more robot starts.
        bins = processes if known >= len(tests) / 2 else max(processes, min(3 * processes, len(tests) // 5))
        groups = _pack(tests, bins, durations)
    return [_batch(phase, number, group) for number, group in enumerate(groups, start=1)]


def _pack(tests: list[Test], bins: int, durations: dict[str, float]) -> list[list[Test]]:
    default = statistics.median(durations.values()) if durations else 1.0
    cost = {test.index: max(durations.get(test.full_name, default), MIN_COST_S) for test in tests}
    suites: dict[str, list[Test]] = {}
    for test in tests:
        suites.setdefault(test.suite, []).append(test)
    target = sum(cost.values()) / bins
    pieces: list[list[Test]] = []
    for members in suites.values():  # a suite longer than a quarter of a process's share is cut into pieces
        count = max(1, math.ceil(sum(cost[t.index] for t in members) / (target / 4)))
        size = math.ceil(len(members) / count)
        pieces += [members[start : start + size] for start in range(0, len(members), size)]
    pieces.sort(key=lambda piece: -sum(cost[t.index] for t in piece))
    loads = [0.0] * bins
    packed: list[list[Test]] = [[] for _ in range(bins)]
    for piece in pieces:  # longest first into the least loaded process
        least = loads.index(min(loads))
        packed[least] += piece
        loads[least] += sum(cost[t.index] for t in piece) + SUITE_OVERHEAD_S
    order = sorted(range(bins), key=lambda b: -loads[b])  # the longest first: handed out first
    return [sorted(packed[b], key=lambda t: t.index) for b in order if packed[b]]


def _batch(phase: str, number: int, tests: list[Test]) -> Batch:
    longest: dict[str, float] = {}
    for test in tests:
        longest[test.suite] = max(longest.get(test.suite, 0.0), test.timeout_s)
    return Batch(phase, number, tests, START_ALLOWANCE_S + sum(t.timeout_s for t in tests) + sum(longest.values()))
