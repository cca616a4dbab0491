"""scripts/ci/previous_result.py: the "green again" message follows this job's previous result, not the
caller's workflow run (finding 9). A fake GitHub API: no network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from previous_result import main

REPO, RUN, RUNNER = "acme/wallet-api", "900", "GitHub Actions 7"
CALLED = "integration-tests / Integration tests result"
ENV = {"GITHUB_REPOSITORY": REPO, "GITHUB_RUN_ID": RUN, "RUNNER_NAME": RUNNER, "GH_TOKEN": "not-a-real-token"}


def job(name: str, conclusion: str | None, runner: str = "other", status: str = "completed") -> dict[str, Any]:
    return {"name": name, "conclusion": conclusion, "runner_name": runner, "status": status}


class FakeApi:
    """Run 900 is the current one; `earlier` maps older run ids (newest first) to their jobs."""

    def __init__(self, earlier: dict[str, list[dict[str, Any]]], current: list[dict[str, Any]] | None = None) -> None:
        own = job(CALLED, None, runner=RUNNER, status="in_progress")
        self.jobs = {RUN: current if current is not None else [job("build-image", "success"), own], **earlier}
        self.calls: list[str] = []

    def run_conclusion(self, run_id: str) -> str:
        """What GitHub reports for the whole (caller's) run: failure when any of its jobs failed."""
        return "failure" if any(j["conclusion"] == "failure" for j in self.jobs[run_id]) else "success"

    def __call__(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        self.calls.append(path)
        if path == f"/repos/{REPO}/actions/runs/{RUN}":
            return {"id": int(RUN), "workflow_id": 42}
        if path == f"/repos/{REPO}/actions/workflows/42/runs":
            assert params["branch"] == "feature" and params["status"] == "completed"
            return {
                "workflow_runs": [
                    {"id": int(run_id), "conclusion": self.run_conclusion(run_id)} for run_id in self.jobs
                ]
            }
        run_id = path.split("/")[-2]
        return {"total_count": len(self.jobs[run_id]), "jobs": self.jobs[run_id]}


def conclusion(api: FakeApi, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    output = tmp_path / "github_output"
    assert main(["--branch", "feature", "--github-output", str(output)], env=ENV, fetch=api) == 0
    printed = capsys.readouterr().out
    assert "not-a-real-token" not in printed
    line = output.read_text().splitlines()[-1]
    assert line in printed
    return line.removeprefix("conclusion=")


def test_a_caller_run_that_failed_elsewhere_is_no_failure_of_the_tests(capsys, tmp_path) -> None:
    # The caller's previous run failed (its lint job), but the integration tests passed in it.
    api = FakeApi({"899": [job("lint", "failure"), job(CALLED, "success")]})
    assert conclusion(api, capsys, tmp_path) == "success"


def test_the_previous_test_failure_is_found(capsys, tmp_path) -> None:
    api = FakeApi({"899": [job("lint", "success"), job(CALLED, "failure")]})
    assert conclusion(api, capsys, tmp_path) == "failure"


def test_runs_where_the_tests_did_not_run_are_passed_over(capsys, tmp_path) -> None:
    api = FakeApi(
        {
            "899": [job("build-image", "failure"), job(CALLED, "skipped")],
            "898": [job("build-image", "success")],  # the job is absent (e.g. an older workflow)
            "897": [job(CALLED, "cancelled")],
            "896": [job(CALLED, "failure")],
        }
    )
    assert conclusion(api, capsys, tmp_path) == "failure"


def test_another_call_of_the_workflow_in_the_same_runs_is_not_mixed_up(capsys, tmp_path) -> None:
    other = "integration-tests-variant-b / Integration tests result"
    api = FakeApi({"899": [job(other, "failure"), job(CALLED, "success")]})
    assert conclusion(api, capsys, tmp_path) == "success"


def test_no_earlier_result_and_api_errors_give_an_empty_conclusion(capsys, tmp_path) -> None:
    assert conclusion(FakeApi({}), capsys, tmp_path) == ""
    assert conclusion(FakeApi({}, current=[job(CALLED, None)]), capsys, tmp_path) == ""  # own job not found

    def broken(path: str, params: dict[str, str]) -> dict[str, Any]:
        raise OSError("network is unreachable")

    assert main(["--branch", "feature"], env=ENV, fetch=broken) == 0
    assert "conclusion=\n" in capsys.readouterr().out


def test_missing_environment_is_a_warning_not_a_failure(capsys) -> None:
    assert main(["--branch", "feature"], env={}) == 0
    out = capsys.readouterr().out
    assert "::warning::" in out and "conclusion=\n" in out


def test_bad_usage_exits_2() -> None:
    with pytest.raises(SystemExit) as stop:
        main([], env=ENV, fetch=FakeApi({}))
    assert stop.value.code == 2
