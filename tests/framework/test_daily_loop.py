"""A tester's daily loop through ./run.sh on throwaway suites: a red run costs one run and names its cause, the
replay command runs exactly the failures, `check` and `--dryrun` start nothing, `-v NAME:value` is the setting
NAME, and the measured-times file can never crash a run."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from _helpers import ROOT, run, throwaway_env
from robot.api import ExecutionResult

sys.path.insert(0, str(ROOT / "scripts"))
from runner import names, options, plan

RUN_SH = str(ROOT / "run.sh")

MIXED = """\
*** Test Cases ***
Passes
    No Operation

Fails Once Asserted
    Should Be Equal    ${1}    ${2}

Price [EUR] Is * Shown?
    Fail    the price is not shown

Passes Too
    No Operation
"""

SETUP_FAILS = """\
*** Settings ***
Suite Setup    Fail    the database refused the login of wallet_api

*** Test Cases ***
First
    No Operation

Second
    No Operation

Third
    No Operation
"""

RESOURCE_TYPO = f"""\
*** Settings ***
Resource    {ROOT}/resources/comon.resource
Suite Setup    Prepare Test Run

*** Test Cases ***
Never Runs
    No Operation
"""

GUARDED = """\
*** Settings ***
Library    WalletLibrary
Suite Setup    Environment Should Be Safe For Tests

*** Test Cases ***
Never Runs
    No Operation
"""

KEYWORD_TYPO = f"""\
*** Settings ***
Resource    {ROOT}/resources/wallet.resource

*** Test Cases ***
A Wallet Is Created
    ${{wallet}}    A New Walet
    Balance Should Be    ${{wallet}}    0
"""


@pytest.fixture
def project(tmp_path: Path, answering_url: str):  # type: ignore[no-untyped-def]
    """go(suite text, *run.sh args, env=...) -> Completed of `./run.sh ...` run from tmp_path on suites/demo.robot."""

    def go(text: str, *args: str, env: dict[str, str] | None = None, environment: str = "local"):  # type: ignore[no-untyped-def]
        (tmp_path / "suites").mkdir(exist_ok=True)
        (tmp_path / "suites" / "demo.robot").write_text(text)
        settings = {**throwaway_env(tmp_path / "results", answering_url), **(env or {})}
        return run([RUN_SH, environment, *args, "suites"], settings, timeout=120, cwd=tmp_path)

    return go


def statuses(output: Path) -> dict[str, str]:
    return {test.name: test.status for test in ExecutionResult(str(output)).suite.all_tests}


@pytest.mark.parametrize(
    ("environment", "args", "env", "policy"),
    [
        ("local", [], {}, "off (local: a failure is reported once"),
        ("local", [], {"CI": "true"}, "once (CI=true"),
        ("ci", ["--no-rerun"], {}, "off (--no-rerun)"),
    ],
    ids=["local-default", "ci-true", "no-rerun"],
)
def test_the_rerun_policy_applies_and_is_said(project, tmp_path, environment, args, env, policy):
    result = project(MIXED, *args, env=env, environment=environment)
    assert result.returncode == 1, result.output[-3000:]
    assert f"reruns {policy}" in result.stdout
    output = tmp_path / "results" / environment / "latest" / "output.xml"
    assert ExecutionResult(str(output)).suite.metadata["Reruns"].startswith(policy)
    assert ("rerunning 2 failed tests" in result.stdout) == policy.startswith("once")


def test_the_replay_command_runs_exactly_the_failed_tests_with_the_paths_and_options(project, tmp_path, answering_url):
    selection = ["--test", "Passes", "--test", "F*", "--test", "Pr*"]  # not Passes Too
    result = project(MIXED, *selection, "--loglevel", "DEBUG", "--processes", "2")
    assert "3 tests, 1 passed, 2 failed" in result.stdout, result.output[-3000:]
    replay = next(line for line in result.stdout.splitlines() if "replay the failures: " in line)
    command = shlex.split(replay.split("replay the failures: ", 1)[1])
    assert command[:2] == [RUN_SH, "local"], command
    assert "--loglevel" in command and "DEBUG" in command and command[-1] == "suites", command
    again = run(command, throwaway_env(tmp_path / "results", answering_url), timeout=120, cwd=tmp_path)
    assert again.returncode == 1, again.output[-3000:]
    assert "2 tests, 0 passed, 2 failed" in again.stdout
    latest = tmp_path / "results" / "local" / "latest" / "output.xml"
    assert statuses(latest) == {"Fails Once Asserted": "FAIL", "Price [EUR] Is * Shown?": "FAIL"}


def test_the_replay_command_shows_no_secret_given_with_v(project):
    result = project(MIXED, "-v", "GATEWAY_WEBHOOK_SECRET:hook-secret-from-the-command-line")
    assert result.returncode == 1, result.output[-3000:]  # 3 would be a leak found in the results
    assert "-v 'GATEWAY_WEBHOOK_SECRET:***'" in result.stdout or "-v GATEWAY_WEBHOOK_SECRET:***" in result.stdout
    assert "hook-secret-from-the-command-line" not in result.output


def test_a_run_failed_in_suite_setup_then_fewer_processes_than_tests_runs_without_a_traceback(project, tmp_path):
    durations = tmp_path / "durations.json"
    first = project(SETUP_FAILS, env={"DURATIONS_FILE": str(durations)})
    assert first.returncode == 1
    assert "SETUP FAILED  Suites.Demo: the database refused the login of wallet_api" in first.stdout
    assert "FAILED 3 tests robot did not run: their suite setup failed" in first.stdout
    assert json.loads(durations.read_text()) == {}, "a test its suite's setup failed took no measurable time"
    for damaged in ('{"Suites.Demo.First": 0.0, "Suites.Demo.Second": 0, "Suites.Demo.Third": -1}', "[1, 2]", "{no"):
        durations.write_text(damaged)
        again = project(SETUP_FAILS, "--processes", "1", env={"DURATIONS_FILE": str(durations)})
        assert again.returncode == 1 and "Traceback" not in again.output, again.output[-3000:]
        assert "3 tests, 0 passed, 3 failed" in again.stdout


def test_plan_deals_tests_whose_measured_time_is_zero():
    tests = [plan.Test(f"S.A.T{i}", ["A", f"T{i}"], ["S", "A"], [], 60.0, i) for i in range(3)]
    batches = plan.deal("parallel", tests, "chunk", 1, {test.full_name: 0.0 for test in tests})
    assert [len(batch.tests) for batch in batches] == [3]


def test_a_resource_path_typo_shows_robot_s_error_with_file_and_line(project):
    result = project(RESOURCE_TYPO)
    assert result.returncode == 1
    assert (
        f"ERROR  suites/demo.robot:2: Resource file '{ROOT}/resources/comon.resource' does not exist." in result.stdout
    )
    assert "SETUP FAILED  Suites.Demo: No keyword with name 'Prepare Test Run' found." in result.stdout


def test_a_guard_refusal_in_the_suites_shows_the_guard_s_words(project):
    result = project(GUARDED, "-v", "ENVIRONMENT:prod")
    assert result.returncode == 1, result.output[-3000:]
    refusal = "SETUP FAILED  Suites.Demo: FatalError: refused: 'prod' is production"
    assert refusal in result.stdout, result.stdout[-3000:]


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["-v", "WALLET_API_URL:http://127.0.0.1:9"], {}, "WALLET_API_URL=http://127.0.0.1:9 refuses connections"),
        (["-v", "wallet_api_url:https://wallet.prod.example.com"], {}, "production deny-list"),
        (["-v", "WALLET_API_ULR:http://127.0.0.1:9"], {}, "did you mean WALLET_API_URL?"),
        ([], {"WALLET_API_ULR": "http://127.0.0.1:9"}, "WALLET_API_ULR is not a setting: did you mean WALLET_API_URL?"),
    ],
    ids=["v-unreachable", "v-production", "v-typo", "env-typo"],
)
def test_a_setting_given_with_v_is_checked_like_the_environment(tmp_path, args, env, expected):
    result = run([RUN_SH, "local", *args], {"RESULTS_DIR": str(tmp_path), **env}, timeout=30)
    assert result.returncode == 2, result.output
    assert result.seconds < 2, f"took {result.seconds:.2f} s"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], lines
    assert not (tmp_path / "local").exists(), "refused before any suite"


def test_names_suites_use_and_environment_variables_of_other_tools_are_not_refused(tmp_path):
    opts = options.parse_run(["local", "-v", "MODEL_SEED:7", "-v", "model budget:3", "-v", "STRESS_USERS:2"])
    environ: dict[str, str] = {}
    names.apply_variables(opts, environ)
    opts = options.parse_run(["local", "-v", "DATABASE_URL:postgresql://x@h:1/d"])
    names.apply_variables(opts, environ)
    assert environ == {"DATABASE_URL": "postgresql://x@h:1/d"}, "only settings become the environment"
    fine = ["PATH", "HOME", "WALLET_API_IMAGE", "GATEWAY_MOCK_PORT", "WALLET_API_PORT", "RABBITMQ_PORT", "JWT_ISSUER"]
    names.check_environment(dict.fromkeys(fine, "1"))


def test_check_dry_runs_and_lints_the_suites_in_seconds():
    result = run([RUN_SH, "check", "suites"], timeout=60)
    assert result.returncode == 0, result.output[-3000:]
    assert result.seconds < 5, f"took {result.seconds:.1f} s"
    assert "0 problems; robocop: no issues" in result.stdout


def test_check_names_the_file_and_line_of_a_keyword_typo(tmp_path):
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "demo.robot").write_text(KEYWORD_TYPO)
    result = run([RUN_SH, "check", "suites"], cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.output
    assert "suites/demo.robot:6: No keyword with name 'A New Walet' found. Did you mean:" in result.stdout
    assert not list(tmp_path.glob("results*")), "check writes no results"


def test_dryrun_through_a_run_starts_nothing_reruns_nothing_and_keeps_latest(tmp_path):
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "demo.robot").write_text(KEYWORD_TYPO)
    env = {"RESULTS_DIR": str(tmp_path / "results"), "DURATIONS_FILE": str(tmp_path / "durations.json")}
    result = run([RUN_SH, "ci", "--dryrun", "suites"], env, timeout=120, cwd=tmp_path)  # ci: reruns on by default
    assert result.returncode == 1, result.output[-3000:]
    assert "starting the local stack" not in result.stdout and "rerunning" not in result.stdout
    assert "DRY RUN:" in result.stdout and result.stdout.rstrip().endswith("DRY RUN FAILED (exit 1)")
    assert not (tmp_path / "results" / "ci" / "latest").exists() and not (tmp_path / "durations.json").exists()
    output = next((tmp_path / "results" / "ci").glob("*/output.xml"))
    assert ExecutionResult(str(output)).suite.metadata["Dry run"].startswith("yes")
