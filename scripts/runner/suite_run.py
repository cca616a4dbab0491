"""`./run.sh [ENV] [options] [robot options] [paths]`: one run of the suites (see README.md, "How a run works").

plan (robot lists the selected tests) -> local stack (only what is missing) -> preflight (every service, 2 s)
-> parallel phase (pabot) and its reruns, the serial (destructive) phase alongside it on a private stack or after
it (runner.phases) -> stack stopped (what this run started) -> one merged report, counts checked -> secret scan ->
summary and exit status.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from runner import ROOT, outbox_check, plan, results, results_root, robots, services, shown
from runner.options import BadInput, RunOptions
from runner.phases import Phases, why_not_alongside
from variables._settings import SETTING_NAMES, resolve


class Interrupted(Exception):
    """SIGINT/SIGTERM/SIGHUP: stop the robot processes and what this run started, exit 130."""


class Console:
    """run.sh's own lines: to stdout and to the run's console.log (the lines before it existed included)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.file = None
        self.lock = threading.Lock()  # the serial phase may run alongside in a thread

    def say(self, text: str, prefix: str = "run.sh: ") -> None:
        line = prefix + text
        with self.lock:
            print(line, flush=True)
            if self.file:
                self.file.write(line + "\n")
                self.file.flush()
            else:
                self.lines.append(line)

    def attach(self, path: Path) -> None:
        self.file = open(path, "a", encoding="utf-8")
        self.file.write("".join(line + "\n" for line in self.lines))


class Timer:
    """The time of each step, one after the other (`mark`), and of what ran alongside them (`beside`)."""

    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.marks: dict[str, float] = {}
        self.besides: dict[str, float] = {}

    def mark(self, name: str) -> None:
        now = time.monotonic()
        self.marks[name] = self.marks.get(name, 0.0) + now - self.last
        self.last = now

    def beside(self, name: str, seconds: float) -> None:
        self.besides[name] = self.besides.get(name, 0.0) + seconds

    def line(self) -> str:
        parts = [f"{name} {seconds:.1f} s" for name, seconds in self.marks.items()]
        parts += [f"{name} {seconds:.1f} s" for name, seconds in self.besides.items()]
        return ", ".join([*parts, f"total {time.monotonic() - self.start:.1f} s"])


def _interrupt(signum: int, _frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def results_dir(environment: str) -> Path:
    """A new results/<env>/<UTC timestamp>[-n] folder."""
    base = results_root() / environment
    base.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 1000):
        out = base / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            out.mkdir()
            return out
        except FileExistsError:
            continue
    raise BadInput(f"cannot create a results folder under {base}")


def main(opts: RunOptions) -> int:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    user_set = {name for name in SETTING_NAMES if os.environ.get(name)}
    os.environ.update(resolve(opts.environment))
    console, timer, started, running = Console(), Timer(), [], []
    try:
        return _run(opts, user_set, console, timer, started, running)
    except BadInput as error:
        print(f"run.sh: {error}", file=sys.stderr)
        return 2
    except services.ServiceError as error:
        print(f"run.sh: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        for phases in running:
            phases.stopping.set()
        robots.stop_all()
        console.say(f"interrupted ({stop}); the robot processes were stopped")
        return 130
    finally:
        for phases in running:
            phases.stopping.set()
            if phases.job:
                phases.job.join()  # it stops its private stack
        _stop_started(started, console)


def _stop_started(started: list[str], console: Console) -> None:
    if started:
        console.say(f"stopping what this run started: {' '.join(started)}")
        if not services.stack("down", started, lambda line: console.say(line, "")):
            console.say("warning: stopping the stack failed; check './run.sh stack status'")
        started.clear()


def _run(opts: RunOptions, user_set: set[str], console: Console, timer: Timer, started: list, running: list) -> int:
    sources = opts.sources or [str(ROOT / "suites")]
    wanted = services.managed(user_set) if opts.environment in ("local", "ci") else []
    missing = [name for name in wanted if not services.healthy(os.environ[services.SERVICES[name]])]
    if not missing:  # nothing to start: check the services first, the answer is quickest
        services.preflight(dict(os.environ), services.ADDRESSES)
        timer.mark("preflight")
    with tempfile.TemporaryDirectory(prefix="run-plan-") as scratch:
        planned = plan.list_tests(opts, sources, Path(scratch))
    phases = plan.split_phases(planned, opts.environment, opts.stress)
    if not any(phases.values()):
        what = "stress tests" if opts.stress else "tests"
        paths = " ".join(shown(source) for source in sources)
        raise BadInput(f"no {what} selected in {paths} with these options (ENV {opts.environment})")
    timer.mark("plan")

    if missing:
        console.say(f"starting the local stack: {' '.join(missing)}")
        started += missing
        if not services.stack("up", missing, lambda line: console.say(line, "")):
            console.say("the local stack did not start (see above; './run.sh stack status' for details)")
            return 1
    timer.mark("stack")
    destructive = any(plan.normalized(tag) == "destructive" for test in phases["serial"] for tag in test.tags)
    checks = (services.ADDRESSES if missing else ()) + (services.MANAGEMENT if destructive else ())
    services.preflight(dict(os.environ), checks)
    timer.mark("preflight")
    if wanted and not missing:  # said after the preflight: a refused run is one line
        console.say(f"the local stack is already healthy ({' '.join(wanted)}); it stays up after the run")

    out = results_dir(opts.environment)
    console.attach(out / "console.log")
    run_id = os.environ.get("RUN_ID") or f"{datetime.now(UTC):%m%d%H%M%S}-{secrets.token_hex(3)}"
    os.environ["RUN_ID"] = run_id
    console.say(
        f"environment {opts.environment}, run id {run_id}, {len(phases['parallel'])} parallel + "
        f"{len(phases['serial'])} serial tests ({opts.mode}, {opts.processes} processes)"
    )
    run = Phases(opts, sources, run_id, out, console.say, timer)
    running.append(run)
    overlap = phases["parallel"] and phases["serial"] and not opts.stress
    why = why_not_alongside(opts, user_set) if overlap else ""
    if why:
        console.say(f"serial phase: after the parallel phase ({why})")
    run.job = run.alongside(phases["serial"]) if overlap and not why else None
    if phases["parallel"]:
        run.run("parallel", phases["parallel"])
    if run.job:
        run.job.join()
        timer.mark("serial wait")  # what the serial phase alongside took longer than the parallel phase
        if run.job.error:
            raise run.job.error
        if run.job.why:
            console.say(f"serial phase: after the parallel phase ({run.job.why})")
    if phases["serial"] and (not run.job or run.job.why):
        run.run("serial", phases["serial"])
    _stop_started(started, console)
    timer.mark("stack stop")
    chosen = [*phases["parallel"], *phases["serial"]]
    return _report(opts, planned.root, chosen, run, out, console, timer)


def _report(opts, root, planned, run: Phases, out, console, timer) -> int:
    status = 0
    outcome = results.combine(planned, run.first, run.reruns, opts.fail_on_flaky, root, run.reader)
    outbox_check.apply(outcome, out, console.say)  # pabot's processes' outbox expectations, answered once
    outcome.result.suite.metadata["Run phases"] = timer.line()
    results.write(outcome.result, out)
    if all(Path(source).resolve().is_relative_to(ROOT / "suites") for source in opts.sources or [ROOT / "suites"]):
        plan.save_durations(plan.DURATIONS, outcome.elapsed)  # the project's suites only, not throwaway ones
    (out.parent / "latest").unlink(missing_ok=True)
    (out.parent / "latest").symlink_to(out.name)
    timer.mark("report")
    console.say(outcome.line)
    for seed in results.seeds(outcome.result):
        console.say(seed)
    for name, message in outcome.flaky:
        console.say(f"FLAKY  {name} (first failure: {message})")
    for name, message in outcome.failed[:30]:
        console.say(f"FAILED {name}: {message}")
    if len(outcome.failed) > 30:
        console.say(f"... and {len(outcome.failed) - 30} more failed tests (see the report)")
    for description in outcome.lost:
        console.say(f"LOST   {description}")
    if outcome.mismatch:
        console.say(f"FAILED: {outcome.mismatch}")
    if outcome.failed or outcome.lost or outcome.mismatch or (outcome.flaky and opts.fail_on_flaky):
        status = 1
        console.say(f"replay the failures: ./run.sh {opts.environment} --rerunfailed {shown(out / 'output.xml')}")
    from SecretRedactor import scan  # libraries/, stdlib only

    leaks = scan([out])
    for leak in leaks:
        console.say(f"SECRET LEAK: {leak}")
    if leaks:
        console.say(f"FAILED: secrets found in {out} (files listed above); do not share these results")
        status = 3
    timer.mark("scan")
    if status == 0 and not outcome.flaky:
        shutil.rmtree(out / ".parts", ignore_errors=True)  # the per-process files stay when something went wrong
    console.say(f"timings: {timer.line()}")
    console.say(f"report: {shown(out)}/report.html (also {shown(out.parent)}/latest/report.html)")
    console.say("PASSED" if status == 0 else f"FAILED (exit {status})")
    return status
