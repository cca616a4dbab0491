"""Robot Framework hooks of the run engine (robot.api only), loaded with `--pythonpath scripts/runner/hooks`.

- `Strip` + `Lister:FILE` (planning): robot applies the user's options (--include, --test, --suite, pre-run
  modifiers...) exactly as in the real run; the lister writes the selected tests as JSON and empties the suite,
  so nothing runs. `Strip` first removes imports, setups and teardowns, so no library is imported.
- `Select:FILE` (every robot process): keeps only the tests listed in FILE (JSON, their suite path and name).
- `Progress` (every robot process, those pabot starts too): one JSON line per suite/test start and end, and one
  when robot has written its output.xml, flushed at once, into progress.jsonl of the process's output directory,
  each with robot's pid. The engine knows from it what a process finished, what it was running when it died
  (a killed robot leaves no readable output.xml) and that it ended by itself.
- `Problems:FILE` (`./run.sh check`, a dry run): every keyword call that failed, with its file and line, as JSON
  lines in FILE (only the innermost call of a failure, not the user keywords it failed).
"""

from __future__ import annotations

import json
import os
import time

from robot.api import SuiteVisitor
from robot.libraries.BuiltIn import BuiltIn


def path_of(test) -> list[str]:
    """Names of the suites below the root, then the test's own name (the root's name may still change)."""
    names = [test.name]
    suite = test.parent
    while suite is not None and suite.parent is not None:
        names.append(suite.name)
        suite = suite.parent
    return names[::-1]


class Strip(SuiteVisitor):
    """Planning only: no imports, setups or teardowns (nothing will run)."""

    def start_suite(self, suite) -> None:
        suite.resource.imports.clear()
        suite.setup = None
        suite.teardown = None


class Lister:
    """Planning only: write the selected tests to FILE, then run nothing."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, target: str) -> None:
        self.target = target

    def start_suite(self, data, result) -> None:
        if data.parent is not None:
            return
        tests = [
            {
                "full_name": test.full_name,
                "path": path_of(test),
                "suites": [suite.name for suite in _parents(test)],
                "tags": list(test.tags),
                "timeout": test.timeout or "",
                "source": str(test.source or ""),
            }
            for test in data.all_tests
        ]
        with open(self.target, "w", encoding="utf-8") as handle:
            json.dump({"root": data.name, "tests": tests}, handle)
        data.suites.clear()
        data.tests.clear()


def _parents(test) -> list:
    chain = []
    suite = test.parent
    while suite is not None:
        chain.append(suite)
        suite = suite.parent
    return chain[::-1]


class Select(SuiteVisitor):
    """Keep only the tests listed in FILE (a JSON list of `path_of` lists)."""

    def __init__(self, source: str) -> None:
        with open(source, encoding="utf-8") as handle:
            self.wanted = {tuple(path) for path in json.load(handle)}

    def start_suite(self, suite) -> None:
        suite.tests = [test for test in suite.tests if tuple(path_of(test)) in self.wanted]

    def end_suite(self, suite) -> None:
        suite.suites = [child for child in suite.suites if child.test_count]


class Progress:
    """{"e": event, "p": robot's pid, "t": epoch s, "name": full name, ...} per line of OUTPUT_DIR/progress.jsonl.

    Events: start_suite, end_suite, start_test, end_test (with its status), and `output` once
    output.xml is written. Pabot reruns a process it stopped at --processtimeout as a dry run into the same
    folder: its lines carry another pid.
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self.handle = None

    def _write(self, event: str, name: str, **extra: str) -> None:
        line = {"e": event, "p": os.getpid(), "t": time.time(), "name": name, **extra}
        self.handle.write(json.dumps(line) + "\n")

    def start_suite(self, data, result) -> None:
        if self.handle is None:
            folder = BuiltIn().get_variable_value("${OUTPUT_DIR}")
            self.handle = open(os.path.join(folder, "progress.jsonl"), "a", encoding="utf-8", buffering=1)
        self._write("start_suite", result.full_name)

    def end_suite(self, data, result) -> None:
        self._write("end_suite", result.full_name, status=result.status)

    def start_test(self, data, result) -> None:
        self._write("start_test", result.full_name)

    def end_test(self, data, result) -> None:
        self._write("end_test", result.full_name, status=result.status)

    def output_file(self, path) -> None:
        if self.handle is not None:
            self._write("output", str(path))

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


class Problems:
    """A dry run's problems as JSON lines in FILE: {"tests": n} of the root suite, {"error": message} of every robot
    error (a file that does not parse, an import that fails), and {"source", "line", "message"} of every failed
    keyword call without a failed call below it (where "No keyword with name ..." is written), or of a test that
    failed without a failed keyword (an invalid test setting)."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, target: str) -> None:
        self.handle = open(target, "a", encoding="utf-8", buffering=1)
        self.found = False  # a problem in the current test

    def _write(self, **line: object) -> None:
        self.handle.write(json.dumps(line) + "\n")

    def start_suite(self, data, result) -> None:
        if data.parent is None:
            self._write(tests=data.test_count)

    def message(self, message) -> None:
        if message.level == "ERROR":
            self._write(error=message.message)

    def start_test(self, data, result) -> None:
        self.found = False

    def end_keyword(self, data, result) -> None:
        if result.failed and not any(getattr(child, "failed", False) for child in getattr(result, "body", ())):
            self.found = True
            self._write(source=str(data.source or ""), line=data.lineno or 0, message=result.message)

    def end_test(self, data, result) -> None:
        if result.failed and not self.found and not result.message.startswith("Parent suite setup failed"):
            self._write(source=str(data.source or ""), line=data.lineno or 0, message=result.message)

    def close(self) -> None:
        self.handle.close()
