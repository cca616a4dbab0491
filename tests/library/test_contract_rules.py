"""The contract is in the repository, every rule id points into it, and the report links each rule tag to its rule."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from runner import results, rules  # noqa: E402 - scripts/ is not a package on the path by default

SUITE = """\
*** Test Cases ***
A Test Guarding Two Rules
    [Tags]    rule:history.invalid-cursor    rule:auth.expired-token
    No Operation
"""


def test_every_rule_cites_a_section_of_the_contract_in_the_repository() -> None:
    known = rules.anchors()
    assert set(known) == {"1", "2", "3", "4", "5", "6", "7"}, f"numbered sections of the contract: {sorted(known)}"
    unlinked = []
    for rule in yaml.safe_load(rules.RULES.read_text(encoding="utf-8"))["rules"]:
        if not rules.section_links(rule["section"], "c.md", known) and not rule["section"].startswith("issue"):
            unlinked.append(rule["id"])
    assert not unlinked, f"rules whose section is not a section of contracts/wallet-api-contract.md: {unlinked}"


def test_nothing_points_at_a_contract_outside_the_repository() -> None:
    files = [*ROOT.glob("*.md"), *ROOT.glob("contracts/*.yaml"), *ROOT.glob("suites/**/*.robot")]
    files += [*ROOT.glob("libraries/**/*.py"), *ROOT.glob("services/*/README.md"), *ROOT.glob("docs/*.md")]
    stale = [str(p.relative_to(ROOT)) for p in files if re.search(r"shared/wallet-api-contract", p.read_text())]
    assert not stale, f"files naming the contract outside contracts/: {stale}"


def test_the_report_shows_each_rule_tag_with_its_text_and_section_link(tmp_path: Path) -> None:
    (tmp_path / "rules.robot").write_text(SUITE, encoding="utf-8")
    run = [sys.executable, "-m", "robot", "--output", "raw.xml", "--log", "NONE", "--report", "NONE", "rules.robot"]
    subprocess.run(run, cwd=tmp_path, capture_output=True, timeout=60, check=True)
    out = tmp_path / "results" / "local" / "20260101T000000Z"
    results.write(ExecutionResult(str(tmp_path / "raw.xml")), out)
    report = (out / "report.html").read_text(encoding="utf-8")
    stats = re.search(r'window.output\["stats"\] = (.*);', report)[1]
    assert "A cursor the service did not issue is 400 INVALID_CURSOR." in stats, "no rule text for rule:history.*"
    assert "Expired token: 401 code UNAUTHORIZED." in stats, "no rule text for rule:auth.expired-token"
    link = re.search(r"section 4 history:([^\"]+)", stats)  # relative to the report's folder
    assert link, f"no link to section 4 for rule:history.invalid-cursor: {stats[:600]}"
    assert (out / link[1].split("#")[0]).resolve() == rules.CONTRACT and link[1].endswith("#4-endpoints"), link[1]
