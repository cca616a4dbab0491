"""`./run.sh test [pytest options]`: the project's own checks, all of them pytest tests; the last line is
"N passed, N failed" (", N skipped" when some were).

- exports the settings of `local` (`ci` when CI=true; SELFTEST_ENV overrides) for the sessions;
- brings the local stack up when it is not healthy (tests/stack and the functional run need it) and stops at the
  end only what it started (SELFTEST_NO_STACK=1: leave the stack alone);
- runs one pytest session per folder of tests/ (tests/framework, tests/stack, ...) with
  PYTHONPATH=libraries:<repo root>, then one per services/*/tests from that service's folder;
- sums the sessions' JUnit XML. A session that collects no test is fine; one that crashes counts as a failure.
Extra arguments go to every pytest session (e.g. -k guard, -x).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from runner import ROOT, services
from variables._settings import resolve


def check(args: list[str]) -> None:
    """Nothing to check before the virtualenv: the arguments are pytest's."""


def sessions() -> list[tuple[str, Path, str]]:
    """(name, working directory, target) of every pytest session."""
    found = []

    def has_tests(folder: Path) -> bool:
        return any(folder.rglob("test_*.py")) or any(folder.rglob("*_test.py"))

    if any((ROOT / "tests").glob("test_*.py")):
        found.append(("tests", ROOT, "tests"))
    for folder in sorted(p for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name != "__pycache__"):
        if has_tests(folder):
            found.append((f"tests-{folder.name}", ROOT, f"tests/{folder.name}"))
    for folder in sorted(ROOT.glob("services/*/tests")):
        if has_tests(folder):
            found.append((f"services-{folder.parent.name}", folder.parent, "tests"))
    return found


def count(junit_dir: Path, crashed: set[str]) -> tuple[int, int, int]:
    """(passed, failed, skipped) over the sessions' JUnit files; a crashed session counts one failure at least."""
    passed = failed = skipped = 0
    for path in sorted(junit_dir.glob("*.xml")):
        failures = 0
        for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314 - our own JUnit files
            kinds = {child.tag for child in case}
            if kinds & {"failure", "error"}:
                failures += 1
            elif "skipped" in kinds:
                skipped += 1
            else:
                passed += 1
        failed += max(failures, 1 if path.stem in crashed else 0)
        crashed.discard(path.stem)
    return passed, failed + len(crashed), skipped


def main(args: list[str]) -> int:
    environment = os.environ.get("SELFTEST_ENV") or ("ci" if os.environ.get("CI") == "true" else "local")
    os.environ.update({**resolve(environment), "SELFTEST_ENV": environment})
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    junit_dir = ROOT / "results" / "selftest"
    shutil.rmtree(junit_dir, ignore_errors=True)
    junit_dir.mkdir(parents=True)

    def say(line: str) -> None:
        print(line, flush=True)

    started = False
    if os.environ.get("SELFTEST_NO_STACK") != "1":
        if all(services.healthy(os.environ[setting]) for setting in services.SERVICES.values()):
            say("selftest: the local stack is already healthy; it stays up")
        else:
            say("selftest: starting the local stack (./run.sh stack up)")
            started = True
            if not services.stack("up", [], say):
                say("selftest: the local stack did not start; the tests that need it will fail")
    os.environ["SELFTEST_STACK_STARTED_BY_SELFTEST"] = "1" if started else "0"
    crashed = set()
    try:
        for name, cwd, target in sessions():
            say(f"=== selftest: {name} ({target})")
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [f"{ROOT}/libraries", str(ROOT), os.environ.get("PYTHONPATH")])
                ),
            }
            command = [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={junit_dir / name}.xml",
            ]
            command += ["-o", "junit_family=xunit1", target, *args]
            code = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, check=False).returncode
            if code not in (0, 1, 5):  # 5: nothing collected; others: usage error, internal error, interrupted
                crashed.add(name)
    finally:
        if started:
            say("selftest: stopping the stack it started")
            services.stack("down", [], lambda line: None)
    passed, failed, skipped = count(junit_dir, set(crashed))
    if crashed:
        say(f"selftest: sessions that crashed: {', '.join(sorted(crashed))}")
    say(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0
