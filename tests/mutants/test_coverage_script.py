"""scripts/coverage.py against a tiny synthetic suite: table, uncovered rules, unknown tags, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mutants_patch import ROOT

SCRIPT = ROOT / "scripts" / "coverage.py"

RULES = """\
version: 1
rules:
  - id: auth.missing-token
    area: auth
    section: "2 Auth"
    rule: "Missing token: 401."
  - id: amount.zero-rejected
    area: validation
    section: "2 Amounts"
    rule: "Amount 0 is 400."
  - id: history.order
    area: history
    section: "4 history"
    rule: "Newest first."
"""

SUITE = """\
*** Settings ***
Test Tags    rule:history.order

*** Test Cases ***
Missing Token Is Refused
    [Tags]    rule:auth.missing-token    smoke
    No Operation

Zero Amount Is Refused
    [Tags]    RULE:Amount.Zero-Rejected
    No Operation

Untagged Test
    No Operation
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "rules.yaml").write_text(RULES)
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "probe.robot").write_text(SUITE)
    return tmp_path


def test_every_rule_covered_exits_zero_with_the_table(project: Path) -> None:
    out = project / "out.md"
    result = run("--rules", str(project / "rules.yaml"), "--output", str(out), str(project / "suites"))
    assert result.returncode == 0, result.stderr
    assert "3/3 rules covered; 3 of 3 tests carry rule tags" in result.stdout
    assert "| `auth.missing-token` | auth | 2 Auth | Probe.Missing Token Is Refused |" in result.stdout
    # Suite-level Test Tags count, and tags are matched case-insensitively.
    assert "Probe.Zero Amount Is Refused" in result.stdout.split("amount.zero-rejected")[1].splitlines()[0]
    assert "Probe.Untagged Test" in result.stdout
    assert out.read_text() == result.stdout


def test_a_rule_without_test_fails_and_is_listed(project: Path) -> None:
    rules = project / "rules.yaml"
    extra = '  - id: webhooks.charge-not-found\n    area: webhooks\n    section: "4"\n    rule: "404"\n'
    rules.write_text(RULES + extra)
    result = run("--rules", str(rules), "--output", str(project / "o.md"), str(project / "suites"))
    assert result.returncode == 1
    assert "| `webhooks.charge-not-found` | webhooks | 4 | **NOT COVERED** |" in result.stdout
    assert "## Uncovered rules (1)" in result.stdout
    assert "1 rule(s) without a test" in result.stderr
    suites = str(project / "suites")
    allowed = run("--allow-uncovered", "--rules", str(rules), "--output", str(project / "o.md"), suites)
    assert allowed.returncode == 0, allowed.stderr


def test_a_tag_naming_an_unknown_rule_fails(project: Path) -> None:
    (project / "suites" / "probe.robot").write_text(SUITE.replace("rule:auth.missing-token", "rule:auth.typo"))
    result = run("--rules", str(project / "rules.yaml"), "--output", str(project / "o.md"), str(project / "suites"))
    assert result.returncode == 1
    assert "`rule:auth.typo` on Probe.Missing Token Is Refused" in result.stdout
    assert "naming unknown rules" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rules: [", "not valid YAML"),
        ("rules: []", "non-empty list 'rules'"),
        ("rules:\n  - id: a.b\n  - id: a.b\n", "appears twice"),
        ("rules:\n  - area: x\n", "has no string 'id'"),
    ],
)
def test_a_bad_rules_file_is_one_line_and_exit_two(project: Path, content: str, message: str) -> None:
    (project / "rules.yaml").write_text(content)
    result = run("--rules", str(project / "rules.yaml"), str(project / "suites"))
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_suite_path_is_exit_two(project: Path) -> None:
    result = run("--rules", str(project / "rules.yaml"), str(project / "nope"))
    assert result.returncode == 2
    assert "suite path(s) not found" in result.stderr


def test_the_project_rules_file_is_valid() -> None:
    result = run("--allow-uncovered", "--output", "/dev/null", str(ROOT / "suites"))
    assert result.returncode in (0, 1), result.stderr  # 1 only for unknown tags, reported by the suites' owners
    assert "rules covered" in result.stdout
