"""Sharding: scripts/ci/shard_filter.py splits deterministically; shards merged equal an unsharded run."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import compare_results
import pytest
from conftest import REPO_ROOT, run_robot, write_suite
from robot.api import ExecutionResult, ResultVisitor
from shard_filter import shard_of

FILTER = REPO_ROOT / "scripts" / "ci" / "shard_filter.py"
SUITES = {
    "alpha/one.robot": "*** Test Cases ***\n"
    + "".join(f"Alpha {i}\n    Log    ok\n" for i in range(7))
    + "Alpha Fails\n    Fail    expected 1 but got 2\n",
    "beta/two.robot": "*** Test Cases ***\n"
    + "".join(f"Beta {i}\n    Log    ok\n" for i in range(5))
    + "Beta Destructive\n    [Tags]    destructive\n    Log    ok\n"
    + "Beta Skipped\n    Skip    later\n",
}


def names(output: Path) -> dict[str, str]:
    statuses: dict[str, str] = {}

    class _Collector(ResultVisitor):
        def visit_test(self, test) -> None:  # type: ignore[no-untyped-def]
            statuses[test.full_name] = test.status

    ExecutionResult(str(output)).visit(_Collector())
    return statuses


@pytest.mark.parametrize("total", [1, 2, 3, 5])
def test_every_test_runs_in_exactly_one_shard(tmp_path: Path, total: int) -> None:
    suites = write_suite(tmp_path, SUITES)
    full = names(run_robot(suites, tmp_path / "full"))
    seen: dict[str, str] = {}
    for index in range(1, total + 1):
        output = run_robot(
            suites, tmp_path / f"shard{index}", prerunmodifier=[f"{FILTER}:{index}:{total}"], runemptysuite=True
        )
        shard = names(output)
        assert not seen.keys() & shard.keys(), "a test ran in two shards"
        assert all(shard_of(name, total) == index for name in shard)
        seen.update(shard)
    assert seen == full


def test_the_split_is_stable() -> None:
    assert shard_of("Suites.Alpha.One.Alpha 1", 4) == shard_of("Suites.Alpha.One.Alpha 1", 4)
    assert {shard_of(f"Suites.T{i}", 3) for i in range(60)} == {1, 2, 3}, "every shard gets tests"


@pytest.mark.parametrize("args", ["0:2", "3:2", "x:2", "1:0"])
def test_bad_shard_arguments_fail_the_run(tmp_path: Path, args: str) -> None:
    suites = write_suite(tmp_path, SUITES)
    done = subprocess.run(
        [str(Path(os.sys.executable).parent / "robot"), "--prerunmodifier", f"{FILTER}:{args}", "--output", "NONE",
         "--report", "NONE", "--log", "NONE", str(suites)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "INDEX" in done.stdout + done.stderr


def test_compare_results_spots_differences(tmp_path: Path) -> None:
    suites = write_suite(tmp_path, SUITES)
    full = run_robot(suites, tmp_path / "full")
    part = run_robot(suites, tmp_path / "part", prerunmodifier=[f"{FILTER}:1:2"], runemptysuite=True)
    assert compare_results.compare(full, full) == []
    differences = compare_results.compare(full, part)
    assert differences[0].startswith("totals differ")
    assert any(d.startswith("missing: ") for d in differences)
    assert compare_results.main([str(full), str(part)]) == 1
    assert compare_results.main([str(full), str(tmp_path / "nope.xml")]) == 2


def _copy_project(dest: Path) -> Path:
    """A copy of the project (without results, .git, .venv) that uses this checkout's virtualenv."""
    ignore = shutil.ignore_patterns(".git", ".venv", "results", "__pycache__", ".pytest_cache", ".ruff_cache")
    shutil.copytree(REPO_ROOT, dest, ignore=ignore)
    (dest / "results").mkdir()
    return dest


@pytest.mark.skipif(not (REPO_ROOT / "run.sh").is_file(), reason="run.sh is not in this checkout")
def test_local_sharded_path_equals_an_unsharded_run(tmp_path: Path) -> None:
    """scripts/shard.sh: 2 shards through run.sh, merged, then compared with an unsharded run (no stack needed)."""
    project = _copy_project(tmp_path / "project")
    suites = write_suite(tmp_path, SUITES)
    # "Own" services that accept connections (run.sh's preflight checks them), so run.sh starts no stack;
    # the generated suites call nothing.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    own = f"http://127.0.0.1:{server.server_address[1]}"
    env = {
        **os.environ,
        "VENV": str(REPO_ROOT / ".venv"),
        "WALLET_API_URL": own,
        "GATEWAY_MOCK_URL": own,
        "PABOT_PROCESSES": "2",
    }
    done = subprocess.run(
        ["bash", str(project / "scripts" / "shard.sh"), "--shards", "2", "--compare", "--", str(suites)],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    log = done.stdout + done.stderr
    assert "totals and tests match" in log, log[-3000:]
    assert done.returncode == 1, "a test of the generated suites fails, so the sharded run fails"
    merged = project / "results" / "ci" / "latest" / "output.xml"
    totals = ExecutionResult(str(merged)).statistics.total
    assert (totals.total, totals.passed, totals.failed, totals.skipped) == (15, 13, 1, 1)
    shards = sorted(p.name for p in (project / "results" / "shards").glob("*/*"))
    assert shards == ["shard-1-of-2", "shard-2-of-2", "unsharded"]
    kept = [p.name for p in (project / "results" / "ci").iterdir() if not p.is_symlink()]
    assert kept == [merged.parent.resolve().name], "only the merged run is a run of results/ci/"


def test_shard_sh_rejects_bad_input() -> None:
    script = REPO_ROOT / "scripts" / "shard.sh"
    for args in (["run", "3", "2"], ["--shards", "zero"], ["merge"], ["frobnicate"]):
        done = subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 2, args
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
