"""Every script a workflow calls exists and accepts the arguments it is given (its --help lists each option).

The invocations are read from the `run:` blocks of .github/workflows/*.yml: `./run.sh ...`, `scripts/...`,
`python3 scripts/...|stress/...`. Options passed through a bash array (`"${args[@]}"`) are read from the
`args=(...)` / `args+=(...)` lines of the same step. No script is run other than with --help.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT

INVOKE = re.compile(
    r"(?:^|[\s;(&|])(?P<cmd>\./run\.sh|(?:python3?\s+)?(?:scripts|stress)/[\w./-]+\.(?:sh|py))(?P<args>[^\n;|&)]*)"
)
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
ARRAY = re.compile(r"\bargs\+?=\((?P<items>[^)]*)\)")
# ./run.sh subcommands whose arguments go to another script (see run.sh); anything else is a suite run.
RUN_SH_TARGETS = {"notify": "scripts/notify.py", "dashboard": "scripts/dashboard.py", "stack": "scripts/stack.sh"}


def invocations() -> list[tuple[str, str, list[str]]]:
    """(where, script path relative to the repository, argument words) of every script call in a workflow."""
    found = []
    for path in sorted((REPO_ROOT / ".github" / "workflows").glob("*.y*ml")):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job_id, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                run = str(step.get("run", "")).replace("\\\n", " ")
                arrays = [word for match in ARRAY.finditer(run) for word in match.group("items").split()]
                for match in INVOKE.finditer(run):
                    words = match.group("args").split()
                    if '"${args[@]}"' in words:
                        words = [w for w in words if w != '"${args[@]}"'] + arrays
                    where = f"{path.name} / {job_id} / {step.get('name', step.get('id', '?'))}"
                    found.append((where, match.group("cmd").split()[-1], words))
    return found


@functools.cache
def help_text(script: str) -> str:
    """The --help output of a script of the repository (a Python one with this interpreter)."""
    command = [sys.executable, script] if script.endswith(".py") else ["bash", script]
    done = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60, check=False, cwd=REPO_ROOT)
    assert done.returncode == 0, f"{script} --help failed (exit {done.returncode}): {done.stderr[-500:]}"
    return done.stdout + done.stderr


def target(script: str, words: list[str]) -> tuple[str, list[str]]:
    """The script that really receives `words`, and the words it receives."""
    if script == "./run.sh" and words and words[0] in RUN_SH_TARGETS:
        return RUN_SH_TARGETS[words[0]], words[1:]
    return script.removeprefix("./"), words


CALLS = invocations()


def test_the_workflows_call_scripts() -> None:
    called = {target(script, words)[0] for _w, script, words in CALLS}
    assert {"run.sh", "scripts/notify.py", "scripts/shard.sh", "scripts/ci/previous_result.py"} <= called


@pytest.mark.parametrize("where,script,words", CALLS, ids=[f"{w} {s}" for w, s, _ in CALLS])
def test_every_called_script_exists_and_accepts_its_options(where: str, script: str, words: list[str]) -> None:
    path, words = target(script, words)
    assert (REPO_ROOT / path).is_file(), f"{where}: {path} does not exist"
    options = sorted({option for word in words for option in OPTION.findall(word) if word.startswith("--")})
    if path == "run.sh" and words and re.fullmatch(r"[a-z]+", words[0]):
        assert (REPO_ROOT / "variables" / f"{words[0]}.py").is_file(), f"{where}: ./run.sh {words[0]}: no such env"
    if path.endswith(".sh") and path != "run.sh" and words and re.fullmatch(r"[a-z]+", words[0]):
        assert f"{Path(path).name} {words[0]}" in help_text(path), f"{where}: {path} has no command {words[0]!r}"
    if options:
        text = help_text(path)
        unknown = [option for option in options if not re.search(rf"{re.escape(option)}(?![\w-])", text)]
        assert not unknown, f"{where}: {path} --help does not know {unknown}"


def test_the_parser_of_this_guard() -> None:
    assert target("./run.sh", ["notify", "--dry-run"]) == ("scripts/notify.py", ["--dry-run"])
    assert target("./run.sh", ["ci"]) == ("run.sh", ["ci"])
    match = INVOKE.search('  scripts/shard.sh merge --env ci out || echo "x"')
    assert (
        match
        and match.group("cmd") == "scripts/shard.sh"
        and match.group("args").split()
        == [
            "merge",
            "--env",
            "ci",
            "out",
        ]
    )
