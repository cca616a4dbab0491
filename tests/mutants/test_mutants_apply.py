"""Every mutant still applies to the current stand-in (each snippet exactly once) and is well documented.

Fast, no services: `./run.sh test` catches a change of services/wallet_api that silently invalidates a
mutant. When one fails, update the snippet in the mutant's module (tests/mutants/mutants_catalog.py lists
them) to the new code while keeping the mutant's defect (and its id) the same.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from mutants_catalog import AREAS, MUTANTS
from mutants_patch import ID_RE, ROOT, STAND_IN, Edit, Mutant, PatchError, apply_edits, copy_stand_in
from mutants_report import Outcome, markdown

RULES_FILE = ROOT / "contracts" / "rules.yaml"
# Issue 4's big areas get several mutants each.
BIG_AREAS = ("validation", "idempotency", "deposits", "withdrawals-transfers", "history", "events", "commands")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One unmutated copy of the stand-in, copied again for each mutant."""
    return copy_stand_in(tmp_path_factory.mktemp("stand-in") / "wallet_api")


@pytest.fixture(scope="module")
def rule_ids() -> set[str]:
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["rules"]
    return {rule["id"] for rule in rules}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_mutant_applies_exactly_once_and_compiles(mutant: Mutant, pristine: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy"
    shutil.copytree(pristine, target)
    changed = apply_edits(mutant, target)
    assert changed, f"{mutant.id} changed no file"
    for path in changed:
        original = (pristine / path.relative_to(target)).read_text(encoding="utf-8")
        assert path.read_text(encoding="utf-8") != original, f"{mutant.id}: {path.name} is unchanged"


def test_the_stand_in_itself_is_never_modified(pristine: Path) -> None:
    for path in (STAND_IN / "wallet_api").glob("*.py"):
        assert path.read_text(encoding="utf-8") == (pristine / "wallet_api" / path.name).read_text(encoding="utf-8")


def test_the_stand_in_has_no_fault_switch() -> None:
    text = "\n".join(p.read_text(encoding="utf-8").lower() for p in (STAND_IN / "wallet_api").glob("*.py"))
    for word in ("mutant", "mutation", "fault_inject", "inject_fault"):
        assert word not in text, f"services/wallet_api mentions {word!r}: mutants must live in tests/mutants only"


def test_ids_are_unique_and_usable_as_database_names() -> None:
    ids = [m.id for m in MUTANTS]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate mutant ids: {duplicates}"
    bad = [i for i in ids if not ID_RE.fullmatch(i) or i == "baseline"]
    assert not bad, f"ids must match {ID_RE.pattern} (they become mut_<id> databases): {bad}"


def test_every_mutant_names_a_known_rule_and_area(rule_ids: set[str]) -> None:
    unknown_rules = [(m.id, m.rule) for m in MUTANTS if m.rule not in rule_ids]
    assert not unknown_rules, f"rules not in contracts/rules.yaml: {unknown_rules}"
    unknown_areas = [(m.id, m.area) for m in MUTANTS if m.area not in AREAS]
    assert not unknown_areas, f"areas not in {AREAS}: {unknown_areas}"


def test_every_mutant_is_documented() -> None:
    for m in MUTANTS:
        assert m.contract.strip() and m.description.strip() and m.edits, f"{m.id} lacks contract/description/edits"


def test_every_area_is_covered_and_big_areas_several_times() -> None:
    counts = Counter(m.area for m in MUTANTS)
    missing = [a for a in AREAS if counts[a] == 0]
    assert not missing, f"areas of issue 4 without a mutant: {missing}"
    thin = [a for a in BIG_AREAS if counts[a] < 3]
    assert not thin, f"big areas with fewer than 3 mutants: {thin}"
    assert len(MUTANTS) >= 30


def _mutant(*edits: Edit) -> Mutant:
    return Mutant("probe", "validation", "amount.zero-rejected", "c", "d", edits)


def test_a_snippet_that_does_not_match_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(PatchError, match="not found"):
        apply_edits(_mutant(Edit("a.py", "y = 1", "y = 2")), tmp_path)


def test_a_snippet_that_matches_twice_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\nx = 1\n")
    with pytest.raises(PatchError, match="found 2 times"):
        apply_edits(_mutant(Edit("a.py", "x = 1", "x = 2")), tmp_path)


def test_a_patch_that_breaks_the_syntax_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(PatchError, match="does not compile"):
        apply_edits(_mutant(Edit("a.py", "x = 1", "x = (")), tmp_path)


def test_a_missing_file_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(PatchError, match="does not exist"):
        apply_edits(_mutant(Edit("nope.py", "a", "b")), tmp_path)


def test_edits_apply_in_order(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    apply_edits(_mutant(Edit("a.py", "x = 1", "x = 2"), Edit("a.py", "x = 2", "x = 3")), tmp_path)
    assert (tmp_path / "a.py").read_text() == "x = 3\n"


def test_report_shows_kill_rate_and_killing_tests() -> None:
    outcomes = [
        Outcome("m_one", "auth", "auth.expired-token", "KILLED", ["Auth.Expired Token", "Auth.B", "Auth.C", "Auth.D"]),
        Outcome("m_two", "events", "events.routing-key", "SURVIVED", total=12, passed=12),
        Outcome("m_three", "events", "events.properties", "ERROR", detail="wallet exited"),
    ]
    text = markdown(outcomes, None, [])
    assert "Kill rate: 1/2 = 50.0%" in text
    assert "Auth.Expired Token, Auth.B, Auth.C (+1)" in text
    assert "| SURVIVED |" in text and "wallet exited" in text
