"""`./run.sh local --rerun` (ci under CI) on the full functional suites, as the last step of `./run.sh test`.

Skipped when suites/ has no functional test yet, or with SELFTEST_SKIP_SUITES=1 (quick self-test runs).
The stack is the one `./run.sh test` brought up (run.sh leaves a healthy stack alone).
"""

from __future__ import annotations

import os
import re

import pytest
from _helpers import ROOT, run
from robot.api import TestSuiteBuilder as SuiteBuilder  # not collected by pytest as a test class
from SecretRedactor import scan

ENVIRONMENT = os.environ.get("SELFTEST_ENV") or ("ci" if os.environ.get("CI") == "true" else "local")


def functional_test_count() -> int:
    """Tests of suites/ that are not stress tests (nothing runs)."""
    suite = SuiteBuilder().build(str(ROOT / "suites"))
    return sum(1 for test in suite.all_tests if "stress" not in test.tags)


@pytest.mark.skipif(os.environ.get("SELFTEST_SKIP_SUITES") == "1", reason="SELFTEST_SKIP_SUITES=1")
def test_functional_suites_pass():
    if functional_test_count() == 0:
        pytest.skip("no functional tests in suites/ yet")
    result = run([str(ROOT / "run.sh"), ENVIRONMENT, "--rerun"], timeout=1800)  # flaky tests named, as in CI
    assert result.returncode == 0, f"./run.sh {ENVIRONMENT} failed (exit {result.returncode}):\n{result.output[-8000:]}"
    latest = ROOT / "results" / ENVIRONMENT / "latest"
    assert (latest / "report.html").is_file()
    assert f"run.sh: {functional_test_count()} tests, " in result.stdout, "every functional test ran, none lost"
    assert re.search(r"^run\.sh: serial phase: (alongside|after) the parallel phase", result.stdout, re.M), (
        "the console says where the destructive tests ran"
    )
    assert (
        scan([latest.resolve()], environ={k: v for k, v in os.environ.items() if k.endswith(("_URL", "SECRET"))}) == []
    )
