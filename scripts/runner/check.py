"""`./run.sh check [PATHS...]`: the suites checked in seconds, without running them (default: suites/ and
resources/).

- robot --dryrun of the suites among PATHS (with the variables of `local`): every keyword exists and gets the
  right arguments, every resource and library imports, every file parses;
- robocop check of PATHS (the limits `./run.sh test` enforces, e.g. 10 keywords per test), at the same time.
No stack, no service, no rerun, no results folder, no measured times. Each problem is one line `file:line: message`;
exit status 0 when there is none, 1 otherwise, 2 for bad input.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runner import ROOT, shown
from runner.options import BadInput, absolute_source

DEFAULT = ["suites", "resources"]
HOOKS = ROOT / "scripts" / "runner" / "hooks"
ROBOCOP_FORMAT = [
    "--configure",
    "print_issues.output_format=simple",
    "--issue-format",
    "{source}:{line}:{col}: {rule_id} {desc}",
]
LOCATED = re.compile(r"^Error in file '(?P<file>.+?)' on line (?P<line>\d+): (?P<message>.*)$", re.S)


def located(message: str) -> str:
    """Robot's `Error in file 'F' on line N: M` as `F:N: M` (F relative to here), on one line."""
    message = message.split("\nTraceback (most recent call last)")[0]  # an import error's first line is its cause
    found = LOCATED.match(message)
    if found:
        message = f"{shown(found['file'])}:{found['line']}: {found['message']}"
    return " ".join(message.split())


def check(args: list[str]) -> None:
    """Bad input before the virtualenv: every path must exist (BadInput)."""
    for path in args:
        if path.startswith("-"):
            raise BadInput(f"./run.sh check takes paths only, not {path} (see ./run.sh check --help)")
        absolute_source(path)


def main(args: list[str]) -> int:
    started = time.monotonic()
    paths = [absolute_source(path) for path in args] if args else [str(ROOT / path) for path in DEFAULT]
    suites = [path for path in paths if path.endswith(".robot") or any(Path(path).rglob("*.robot"))]
    robocop = subprocess.Popen(
        [str(Path(sys.executable).parent / "robocop"), "check", "--no-cache", *ROBOCOP_FORMAT, *paths],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    problems, tests = dry_run(suites) if suites else ([], 0)
    linted, _ = robocop.communicate()
    lint = [
        _relative(line) for line in linted.splitlines() if line.strip() and not line.startswith(("No issues", "Found "))
    ]
    for line in problems + lint:
        print(line)
    verdict = "OK" if not problems and robocop.returncode == 0 else "FAILED"
    print(
        f"check: {tests} tests dry-run, {len(problems)} problems; robocop: {len(lint) or 'no'} issues; "
        f"{time.monotonic() - started:.1f} s; {verdict}"
    )
    return 0 if verdict == "OK" else 1


def dry_run(suites: list[str]) -> tuple[list[str], int]:
    """(`file:line: message` of every problem robot's dry run finds, the number of tests it saw)."""
    import robot

    with tempfile.TemporaryDirectory(prefix="run-check-") as scratch, tempfile.TemporaryFile("w+") as errors:
        found = Path(scratch) / "problems.jsonl"
        args = [
            "--dryrun", "--variablefile", str(ROOT / "variables" / "local.py"), "--pythonpath", str(ROOT / "libraries"),
            "--pythonpath", str(HOOKS), "--listener", f"runner_hooks.Problems:{found}", "--output", "NONE",
            "--report", "NONE", "--log", "NONE", "--console", "none", *(["--name", "Suites"] * (len(suites) > 1)),
        ]  # fmt: skip
        saved = os.dup(2)
        os.dup2(errors.fileno(), 2)  # robot's errors reach the listener too
        try:
            robot.run_cli([*args, *suites], exit=False)
        except SystemExit:  # robot exits on some bad input even with exit=False
            pass
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        lines = [json.loads(line) for line in found.read_text(encoding="utf-8").splitlines()] if found.is_file() else []
        if not lines:  # robot refused before it ran anything: its own words
            errors.seek(0)
            said = [line.removeprefix("[ ERROR ]").strip() for line in errors if line.startswith("[ ERROR ]")]
            return [located(said[0] if said else "robot's dry run did not start")], 0
    problems = [located(item["error"]) for item in lines if "error" in item]
    problems += [
        (f"{shown(item['source'])}:{item['line']}: " if item["source"] else "") + " ".join(item["message"].split())
        for item in lines
        if "message" in item
    ]
    return list(dict.fromkeys(problems)), sum(item.get("tests", 0) for item in lines)


def _relative(line: str) -> str:
    """robocop's `/abs/file:line:col: ...` with the file relative to here."""
    path, sep, rest = line.partition(":")
    return shown(path) + sep + rest if sep and path.startswith("/") else line
