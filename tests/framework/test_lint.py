"""Static checks of the whole repository: ruff, shell scripts, robocop, robot --dryrun, no Sleep."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from _helpers import ROOT, run

VENV_BIN = ROOT / ".venv" / "bin"
ROBOT_DIRS = [ROOT / "suites", ROOT / "resources"]
SKIP_DIRS = {".venv", ".git", "results", "node_modules", "__pycache__"}


def files(*patterns: str, under: list[Path] | None = None) -> list[Path]:
    found: list[Path] = []
    for base in under or [ROOT]:
        for pattern in patterns:
            found += [p for p in base.rglob(pattern) if p.is_file() and not SKIP_DIRS & set(p.relative_to(ROOT).parts)]
    return sorted(set(found))


def robot_files() -> list[Path]:
    return files("*.robot", "*.resource", under=[d for d in ROBOT_DIRS if d.is_dir()])


def shell_scripts() -> list[Path]:
    scripts = [*files("*.sh"), ROOT / "run.sh", ROOT / ".ci" / "run"]
    return sorted({p for p in scripts if p.is_file()})


def check(args: list[str], timeout: float = 300) -> None:
    result = run(args, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args[:3])} failed (exit {result.returncode}):\n{result.output[-6000:]}"


def test_ruff_check():
    check([str(VENV_BIN / "ruff"), "check", "--no-cache", "."])


def test_ruff_format():
    check([str(VENV_BIN / "ruff"), "format", "--check", "--no-cache", "."])


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_syntax(script):
    check(["bash", "-n", str(script)])


@pytest.mark.skipif(
    shutil.which("shellcheck") is None, reason="shellcheck is not installed (apt-get install shellcheck)"
)
def test_shellcheck():
    check(["shellcheck", "-x", "--severity=warning", *map(str, shell_scripts())])


@pytest.mark.skipif(not robot_files(), reason="no Robot files in suites/ or resources/ yet")
def test_robocop_check():
    check([str(VENV_BIN / "robocop"), "check", "--no-cache", *map(str, robot_files())])


@pytest.mark.skipif(not robot_files(), reason="no Robot files in suites/ or resources/ yet")
def test_robocop_format():
    check([str(VENV_BIN / "robocop"), "format", "--check", "--diff", "--no-cache", *map(str, robot_files())])


@pytest.mark.skipif(not files("*.robot", under=[ROOT / "suites"]), reason="no suites yet")
def test_robot_dryrun_of_every_suite():
    check(
        [
            str(VENV_BIN / "robot"),
            "--dryrun",
            "--variablefile",
            str(ROOT / "variables" / "local.py"),
            "--pythonpath",
            str(ROOT / "libraries"),
            "--output",
            "NONE",
            "--report",
            "NONE",
            "--log",
            "NONE",
            "--console",
            "dotted",
            str(ROOT / "suites"),
        ]
    )


SLEEP_CALL = re.compile(r"(?i)(^|\s{2,}|\t|\|\s)(builtin\.)?sleep(\s{2,}|\t|\s*$|\s\|)")


def test_no_sleep_in_suites_or_resources():
    offenders = []
    for path in robot_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.lstrip().startswith("#") and SLEEP_CALL.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "Sleep is not allowed (poll with a deadline instead):\n" + "\n".join(offenders)
