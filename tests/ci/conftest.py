"""Fixtures of the CI tooling tests: tiny Robot Framework runs generated into tmp_path (no services, no network)."""

from __future__ import annotations

import io
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from robot import run as robot_run

REPO_ROOT = Path(__file__).resolve().parents[2]
for folder in (REPO_ROOT / "scripts", REPO_ROOT / "scripts" / "ci"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

MIXED_SUITE = """
*** Test Cases ***
Deposit Passes
    Log    ok
Withdrawal Fails
    Fail    expected balance 10.00 but got 9.00
Transfer Fails With Html
    Fail    *HTML* <b>expected</b> 201 &lt;Created&gt; but got 500
Skipped One
    Skip    not today
Destructive One
    [Tags]    destructive
    Log    ok
"""

GREEN_SUITE = """
*** Test Cases ***
Deposit Passes
    Log    ok
Withdrawal Passes
    Log    ok
"""


def write_suite(folder: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: robot source}`` under ``folder/suites`` and return that directory."""
    root = folder / "suites"
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return root


def run_robot(sources: Path, outdir: Path, **options: object) -> Path:
    """Run robot quietly on ``sources`` and return the output.xml path."""
    outdir.mkdir(parents=True, exist_ok=True)
    robot_run(
        str(sources),
        outputdir=str(outdir),
        output="output.xml",
        log="NONE",
        report="NONE",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        **options,
    )
    output = outdir / "output.xml"
    assert output.is_file(), f"robot wrote no output.xml in {outdir}"
    return output


@pytest.fixture
def make_output(tmp_path: Path) -> Callable[..., Path]:
    """Build an output.xml from ``{file: source}`` (a run named after the generated ``suites`` folder)."""
    counter = {"n": 0}

    def _make(files: dict[str, str], **options: object) -> Path:
        counter["n"] += 1
        base = tmp_path / f"run{counter['n']}"
        return run_robot(write_suite(base, files), base / "out", **options)

    return _make


@pytest.fixture
def failing_output(make_output: Callable[..., Path]) -> Path:
    """A run with 5 tests: 2 passed, 2 failed, 1 skipped."""
    return make_output({"wallet/journeys.robot": MIXED_SUITE})


@pytest.fixture
def green_output(make_output: Callable[..., Path]) -> Path:
    """A run where every test passed."""
    return make_output({"wallet/journeys.robot": GREEN_SUITE})
