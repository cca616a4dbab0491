"""scripts/dashboard.py: trend page over the kept output.xml files (robotframework-dashboard)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import dashboard
import pytest


def keep_run(results: Path, env: str, stamp: str, output: Path) -> Path:
    run_dir = results / env / stamp
    run_dir.mkdir(parents=True)
    shutil.copy(output, run_dir / "output.xml")
    return run_dir / "output.xml"


@pytest.fixture
def results(tmp_path: Path, failing_output: Path, green_output: Path) -> Path:
    root = tmp_path / "results"
    keep_run(root, "ci", "20260101T000000Z", failing_output)
    keep_run(root, "ci", "20260102T000000Z", green_output)
    keep_run(root, "local", "20260103T000000Z", green_output)
    (root / "ci" / "latest").symlink_to("20260102T000000Z")
    keep_run(root / "shards" / "20260104T000000Z", "x", "shard-1-of-2", green_output)
    return root


def test_finds_kept_runs_but_not_links_shards_or_itself(results: Path) -> None:
    found = dashboard.find_outputs(results)
    assert [(env, out.parent.name) for env, out in found] == [
        ("ci", "20260101T000000Z"),
        ("ci", "20260102T000000Z"),
        ("local", "20260103T000000Z"),
    ]
    assert [env for env, _ in dashboard.find_outputs(results, ["local"])] == ["local"]


def test_builds_the_page_and_adds_each_run_once(results: Path, make_output: Callable[..., Path]) -> None:
    outdir = results / "dashboard"
    assert dashboard.main(["--results-dir", str(results)]) == 0
    page = outdir / "index.html"
    assert page.is_file() and page.stat().st_size > 10_000
    assert 'src="https://' not in page.read_text(encoding="utf-8"), "scripts are embedded (works offline)"
    assert len((outdir / "imported.txt").read_text().splitlines()) == 3

    added, errors = dashboard.build(results, outdir, None, 200, "t")
    assert (added, errors) == (0, []), "a run already in the history is not added again"

    keep_run(results, "ci", "20260105T000000Z", make_output({"x.robot": "*** Test Cases ***\nT\n    Log    ok\n"}))
    added, errors = dashboard.build(results, outdir, None, 200, "t")
    assert (added, errors) == (1, [])


def test_a_broken_output_is_reported_and_retried(results: Path) -> None:
    bad = results / "ci" / "20260109T000000Z"
    bad.mkdir()
    (bad / "output.xml").write_text("<notrobot/>", encoding="utf-8")
    assert dashboard.main(["--results-dir", str(results)]) == 1
    assert str(bad / "output.xml") not in (results / "dashboard" / "imported.txt").read_text()


def test_no_run_at_all_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert dashboard.main(["--results-dir", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "run the suites first" in err
