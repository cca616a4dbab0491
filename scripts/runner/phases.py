"""The phases of a suite run: which robot processes run which tests, on which stack, and their reruns.

- Parallel phase: pabot (runner.parallel) with the engine's batches as ordering groups; `--serial` runs it in one
  plain robot process. Serial phase (tests tagged destructive; stress tests with --stress): one plain robot
  process (runner.robots). Reruns: the tests that failed, once more in fresh processes, the same way.
- The serial phase runs alongside the parallel phase, on a private stack of its own (runner.services
  .private_stack: the stand-in and the mock on free ports, database, wallet role, vhost and RabbitMQ user
  `wallet_destructive`), when the wallet under test is the stand-in this run manages in process mode: its
  destructive tests then only disturb the private stack's role and user, nothing the parallel phase uses.
  Otherwise (WALLET_API_URL/GATEWAY_MOCK_URL of your own, WALLET_API_IMAGE, Docker mode, or the private stack
  busy with another run or not starting) it runs after the parallel phase, as always.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from runner import ROOT, parallel, plan, results, robots, services
from runner.names import without_settings
from runner.options import RunOptions, rerun_policy, without

PRIVATE = "wallet_destructive"  # the private stack's database, role, vhost and RabbitMQ user
ADDING = {"rerunfailed", "rerunfailedsuites"}  # robot options that add tests to pabot's groups: the plan has them


def why_not_alongside(opts: RunOptions, user_set: set[str]) -> str:
    """'' when the serial phase can run alongside the parallel one on a private stack, else why not."""
    managed = services.managed(user_set) if opts.environment in ("local", "ci") else []
    for name, setting in services.SERVICES.items():
        if name not in managed:
            return f"{setting} is set: a service of your own, not the stand-in this run manages"
    if os.environ.get("WALLET_API_IMAGE"):
        return "WALLET_API_IMAGE is set: the wallet under test is not the stand-in"
    if services.stack_mode() != "process":
        return "the local stack runs in Docker"
    return ""


class Phases:
    """Runs the phases and keeps every robot process: the first runs and the reruns."""

    def __init__(self, opts: RunOptions, sources: list[str], run_id: str, out: Path, say, timer) -> None:
        self.opts, self.sources, self.out, self.say, self.timer = opts, sources, out, say, timer
        self.rerun = rerun_policy(opts)[0]
        self.robot_args = without_settings(opts.robot_args)  # a -v setting is in the environment
        self.parts = out / ".parts"
        self.durations = plan.load_durations(plan.durations_file()[0])
        self.reader = results.Reader()
        self.first: list[robots.Process] = []
        self.reruns: list[robots.Process] = []
        self.stopping = threading.Event()
        self.job: threading.Thread | None = None  # the serial phase alongside (see alongside())
        self.common = [
            "--variablefile", str(ROOT / "variables" / f"{opts.environment}.py"),
            "--listener", str(ROOT / "libraries" / "SecretRedactor.py"),
            "--pythonpath", str(ROOT / "libraries"),
            "--variable", f"RUN_ID:{run_id}",
            "--pythonpath", str(plan.HOOKS),
            "--console", "dotted",
            *plan.common_naming(opts, sources),
        ]  # fmt: skip
        if opts.stress:  # Locust's HTML/CSV files go next to the report
            self.common += ["--variable", f"STRESS_PROFILE:{opts.profile or 'smoke'}"]
            self.common += ["--variable", f"STRESS_REPORT_DIR:{out}"]
            self.common += ["--variable", f"STRESS_WORKERS:{opts.workers}"] if opts.workers else []
        self.env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # pabot starts `robot`
            # pabot applies the Select hook itself when it lists the tests, and then ignores --pythonpath
            "PYTHONPATH": os.pathsep.join(filter(None, [str(plan.HOOKS), os.environ.get("PYTHONPATH")])),
        }

    def run(self, phase: str, tests: list[plan.Test], env: dict[str, str] | None = None, beside: bool = False):
        """A phase and its reruns (`env`: other settings, e.g. a private stack's; `beside`: timed alongside)."""
        env = {**self.env, **(env or {})}
        batches = plan.deal(phase, tests, self.opts.mode, self.opts.processes, self.durations)
        what = "stress" if self.opts.stress else phase
        self.say(f"{phase} phase: {len(tests)} {what} tests in {len(batches)} robot processes")
        started = time.monotonic()
        done = self._execute(phase, batches, env)
        self.first += done
        self._mark(phase + (" alongside" if beside else ""), started, beside)
        # Failed as the processes reported them; a test failed only by its suite's teardown is not rerun.
        failed = [t for p in done if not p.died for t in p.batch.tests if p.ended.get(t.full_name) == "FAIL"]
        if failed and self.rerun and not self.stopping.is_set():
            again = plan.deal(f"{phase}-rerun", failed, self.opts.mode, self.opts.processes, {})
            self.say(f"{phase} phase: rerunning {len(failed)} failed tests in fresh processes")
            started = time.monotonic()
            self.reruns += self._execute(f"{phase}-rerun", again, env)
            self._mark(f"{phase} reruns" + (" alongside" if beside else ""), started, beside)

    def _mark(self, name: str, started: float, beside: bool) -> None:
        if beside:
            self.timer.beside(name, time.monotonic() - started)
        else:
            self.timer.mark(name)

    def _execute(self, name: str, batches: list[plan.Batch], env: dict[str, str]) -> list[robots.Process]:
        folder = self.parts / name
        folder.mkdir(parents=True, exist_ok=True)
        on_end = self._reporter(len(batches))
        if name.startswith("parallel") and self.opts.mode != "serial":
            tests = [test for batch in batches for test in batch.tests]
            user = without(self.robot_args, ADDING)
            args = [*self.common, *user, *self._selection(tests, folder), *self.sources]
            command = parallel.command(batches, folder, self.opts.processes, self.opts.mode == "per-test", args)
            return parallel.run(batches, command, folder, name, env, on_end, self.say)
        done = []
        for batch in batches:  # one (plan.deal gives the serial phase and --serial one batch)
            where = name if len(batches) == 1 else f"{name}-{batch.number}"
            command = [sys.executable, "-m", "robot", *self.common, *self.robot_args]
            command += ["--outputdir", str(self.parts / where), "--output", "output.xml", "--report", "NONE"]
            command += ["--log", "NONE", *self._selection(batch.tests, self.parts / where), *self.sources]
            done.append(robots.run_robot(batch, command, self.parts / where, where, env))
            on_end(done[-1])
        return done

    def _selection(self, tests: list[plan.Test], folder: Path) -> list[str]:
        """Exactly these tests (hook Select, by name, not by pattern), the progress hook, and robot parses only
        their suite files."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tests.json").write_text(json.dumps([test.path for test in tests]), encoding="utf-8")
        own = ["--prerunmodifier", f"runner_hooks.Select:{folder / 'tests.json'}"]
        own += ["--listener", "runner_hooks.Progress"]
        files = {test.source for test in tests}
        if all(files) and not any(char in "".join(files) for char in "*?[") and self._every_source_holds(files):
            own += [item for source in sorted(files) for item in ("--parseinclude", source)]
        return own

    def _every_source_holds(self, files: set[str]) -> bool:
        """True when each path given holds one of `files`: else --parseinclude would leave a path with no suite
        at all, which robot and pabot refuse (suites/resilience in the parallel phase of a run of several paths)."""
        resolved = [str(Path(file).resolve()) for file in files]
        for source in self.sources:
            path = str(Path(source).resolve())
            if not any(file == path or file.startswith(path.rstrip("/") + "/") for file in resolved):
                return False
        return True

    def _reporter(self, total: int) -> Callable[[robots.Process], None]:
        """One line per finished process (with many processes, per-test mode: every tenth, and every failure)."""
        count = 0
        every = 1 if total <= 20 else total // 10
        lock = threading.Lock()

        def on_end(process: robots.Process) -> None:
            nonlocal count
            with lock:
                count += 1
                number = count
            if process.finished:
                self.reader.add(process.output)
            statuses = list(process.ended.values())
            tally = f"{statuses.count('PASS')} passed, {statuses.count('FAIL')} failed"
            if number % every == 0 or number == total or "FAIL" in statuses or process.died:
                tests = len(process.batch.tests)
                self.say(f"[{number}/{total}] {process.label}: {tests} tests, {tally} in {process.elapsed:.1f} s")
            if process.died:
                self.say(f"LOST: {process.describe()}")

        return on_end

    # ----------------------------------------------------------------- the serial phase on a private stack

    def alongside(self, tests: list[plan.Test]) -> threading.Thread:
        """Start the serial phase on a private stack in a thread; `.why` is set when it could not run there
        (then it has run nothing), `.error` when it failed."""
        job = threading.Thread(target=self._private, args=(tests,), name="serial-alongside", daemon=True)
        job.why, job.error = "", None
        job.start()
        return job

    def _private(self, tests: list[plan.Test]) -> None:
        job = threading.current_thread()
        claim = services.claim(PRIVATE)
        if claim is None:
            job.why = f"another run is using the private stack {PRIVATE}"
            return
        started = time.monotonic()
        settings = services.private_stack(PRIVATE, self.parts / "serial-stack")
        env = {**self.env, **settings}
        lines: list[str] = []
        try:
            if not services.stack("up", list(services.SERVICES), lines.append, env):
                job.why = f"the private stack did not start ({' '.join(lines[-1:])})"
                return
            self.timer.beside("private stack", time.monotonic() - started)
            self.say(
                f"serial phase: alongside the parallel phase, against a private stack (wallet "
                f"{settings['WALLET_API_URL']}; database, role, vhost and RabbitMQ user {PRIVATE})"
            )
            if not self.stopping.is_set():  # a replay printed by a test must not name this stack: it is gone then
                own = {"PRIVATE_STACK_SETTINGS": " ".join(sorted(settings))}
                self.run("serial", tests, settings | own, beside=True)
        except BaseException as error:  # re-raised by the main thread
            job.error = error
        finally:
            stopped = time.monotonic()
            services.stack("down", list(services.SERVICES), lines.append, env)
            self.timer.beside("private stack", time.monotonic() - stopped)
            claim.close()
