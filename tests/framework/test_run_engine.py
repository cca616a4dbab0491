"""The run engine on throwaway suites: flaky tests, reruns, lost and hung robot processes, the preflight check,
the merged counts, the planning. Every run goes through ./run.sh like a user's (see test_run_sh.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from _helpers import ROOT, run, throwaway_env
from robot.api import ExecutionResult

sys.path.insert(0, str(ROOT / "scripts"))
import dashboard
import notify
from runner import options, parallel, phases, plan, results, services

RUN_SH = str(ROOT / "run.sh")

FLAKY = """\
*** Settings ***
Library    OperatingSystem

*** Test Cases ***
Fails On Its First Run Only
    ${seen}    Run Keyword And Return Status    File Should Exist    ${MARKER}
    IF    not ${seen}
        Create File    ${MARKER}
        Fail    the first run fails
    END

Price [EUR] Is * Shown?
    No Operation
"""

ALWAYS_FAILS = """\
*** Test Cases ***
Always Fails
    Set Suite Metadata    Demo seed    42 (replay: ./run.sh local -v DEMO_SEED:42)
    Fail    expected 1 but got 2

Passes
    No Operation
"""

KILLED = """\
*** Test Cases ***
Passes Before
    No Operation

Kills Its Robot Process
    Evaluate    os.kill(os.getpid(), signal.SIGKILL)    modules=os,signal

Never Runs
    No Operation
"""

HANGS = """\
*** Test Cases ***
Blocks Past Its Timeout
    [Timeout]    1 second
    # robot's timeout (SIGALRM) and a polite stop (SIGTERM) cannot reach it: only the engine's SIGKILL can
    Evaluate    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM, signal.SIGTERM])    modules=signal
    Evaluate    time.sleep(120)    modules=time
"""


ALONGSIDE = """\
*** Test Cases ***
Parallel Test Uses The Shared Stack
    # the checkout's stack: wallet_api where it holds the default names, wallet_<hash> on a stack of its own
    Should Not Be Equal    ${WALLET_DB_ROLE}    wallet_destructive
    # long enough for the private stack to start and the destructive test to run meanwhile
    Evaluate    time.sleep(10)    modules=time

Destructive Test Uses The Private Stack
    [Tags]    destructive
    Should Be Equal    ${WALLET_DB_ROLE}    wallet_destructive
    Should Be Equal    ${WALLET_AMQP_USER}    wallet_destructive
    Should Be Equal    ${RABBITMQ_VHOST}    wallet_destructive
    Should Not Be Equal    ${WALLET_API_URL}    http://127.0.0.1:8080
    ${answer}    Evaluate    urllib.request.urlopen($WALLET_API_URL + "/health", timeout=5).status    modules=urllib
    Should Be Equal As Integers    ${answer}    200
"""


@pytest.fixture
def engine(tmp_path: Path, answering_url: str):  # type: ignore[no-untyped-def]
    """run(suite text, *run.sh options) -> (Completed, output.xml of the run)."""

    def go(text: str, *args: str, timeout: float = 120):  # type: ignore[no-untyped-def]
        suites = tmp_path / "suites"
        suites.mkdir(exist_ok=True)
        (suites / "demo.robot").write_text(text)
        env = throwaway_env(tmp_path / "results", answering_url)
        marker = ["-v", f"MARKER:{tmp_path / 'marker'}"] if "${MARKER}" in text else []  # -v of a used name only
        result = run([RUN_SH, "local", *args, *marker, str(suites)], env, timeout)
        return result, tmp_path / "results" / "local" / "latest" / "output.xml"

    return go


def results_of(output: Path) -> dict[str, object]:
    return {test.name: test for test in ExecutionResult(str(output)).suite.all_tests}


def test_a_test_that_fails_then_passes_is_flaky_and_the_run_green(engine):
    result, output = engine(FLAKY, "--rerun")
    assert result.returncode == 0, result.output[-3000:]
    assert "2 tests, 1 passed, 0 failed, 1 flaky" in result.stdout
    assert "FLAKY  Suites.Demo.Fails On Its First Run Only (first failure: the first run fails)" in result.stdout
    flaky = results_of(output)["Fails On Its First Run Only"]
    assert flaky.status == "PASS"
    assert "flaky" in flaky.tags
    assert flaky.message.startswith("FLAKY") and "the first run fails" in flaky.message
    assert ExecutionResult(str(output)).suite.metadata["Flaky tests"].startswith("1: ")
    assert results_of(output)["Price [EUR] Is * Shown?"].status == "PASS", "names are matched exactly, not as globs"
    assert dashboard.has_flaky(output), "the dashboard tags the run flaky"


def test_flaky_tests_reach_the_slack_message_and_the_job_summary_of_a_green_run(engine, tmp_path, capsys):
    _result, output = engine(FLAKY, "--rerun")
    summary, payload = tmp_path / "summary.md", tmp_path / "payload.json"
    github = tmp_path / "github_output"
    args = ["--output", str(output), "--summary", str(summary), "--payload-file", str(payload)]
    assert notify.main(args, env={"GITHUB_OUTPUT": str(github)}) == 0
    text = summary.read_text()
    assert "### Flaky tests" in text and "| `Suites.Demo.Fails On Its First Run Only` | the first run fails |" in text
    slack = payload.read_text()
    assert "Flaky tests" in slack and "Fails On Its First Run Only" in slack and "the first run fails" in slack
    outputs = dict(line.split("=", 1) for line in github.read_text().splitlines())
    assert (outputs["status"], outputs["kind"], outputs["send"], outputs["flaky"]) == ("pass", "flaky", "true", "1")


STRICT = FLAKY.replace("Fails On Its First Run Only\n", "Fails On Its First Run Only\n    [Tags]    strict\n")


@pytest.mark.parametrize(
    ("suite", "args", "summary", "why"),
    [
        (FLAKY, ["--rerun", "--fail-on-flaky"], "2 tests, 1 passed, 0 failed, 1 flaky", "--fail-on-flaky"),
        (STRICT, ["--rerun"], "2 tests, 1 passed, 1 failed, 0 flaky", "tag strict"),
    ],
    ids=["fail-on-flaky", "tag-strict"],
)
def test_a_flaky_test_fails_the_run_with_fail_on_flaky_or_when_strict(engine, suite, args, summary, why):
    result, output = engine(suite, *args)
    assert result.returncode == 1, result.output[-3000:]
    assert summary in result.stdout
    flaky = results_of(output)["Fails On Its First Run Only"]
    assert flaky.status == "FAIL"
    assert "flaky" in flaky.tags and f"counted as failed: {why}" in flaky.message


def test_a_test_that_always_fails_still_fails_the_run(engine):
    result, output = engine(ALWAYS_FAILS, "--rerun")
    assert result.returncode == 1
    assert "2 tests, 1 passed, 1 failed, 0 flaky" in result.stdout
    assert "rerunning 1 failed tests in fresh processes" in result.stdout
    failed = results_of(output)["Always Fails"]
    assert failed.status == "FAIL" and "flaky" not in failed.tags
    assert failed.message == "Failed twice (also when rerun in a fresh process): expected 1 but got 2"
    assert "replay the failures: ./run.sh local --rerun --rerunfailed" in result.stdout
    assert "Demo: Demo seed 42 (replay: ./run.sh local -v DEMO_SEED:42)" in result.stdout, "seeds reach the console"


@pytest.mark.parametrize(("mode", "folder"), [("--chunk", r"parallel/pabot_results/\d+"), ("--serial", "parallel")])
def test_a_killed_robot_process_fails_the_run_with_its_name_and_loses_no_test(engine, mode, folder):
    result, output = engine(KILLED, mode, "--rerun")
    assert result.returncode == 1
    lost = [line for line in result.stdout.splitlines() if line.startswith("run.sh: LOST ")]
    assert len(lost) == 1, result.stdout
    named = rf"parallel process \d+ \(\.parts/{folder}, pid \d+, \d tests?\) was killed by SIGKILL"
    assert re.search(named, lost[0]), lost[0]
    assert "while running 'Suites.Demo.Kills Its Robot Process'" in lost[0]
    tests = results_of(output)
    assert sorted(tests) == ["Kills Its Robot Process", "Never Runs", "Passes Before"], "no test dropped"
    killed = tests["Kills Its Robot Process"]
    assert killed.status == "FAIL" and "was killed by SIGKILL" in killed.message
    if mode == "--serial":  # one process ran all three: their results went with it
        assert {test.status for test in tests.values()} == {"FAIL"}
    assert "rerunning" not in result.stdout, "the tests of a lost process are not rerun"


def test_a_test_stuck_past_its_timeout_is_stopped_with_its_process_and_named(engine):
    result, output = engine(HANGS, timeout=90)
    assert result.returncode == 1
    # pabot's --processtimeout: 20 s to start + the test's 1 s + 1 s for its suite's setup and teardown
    assert result.seconds < 45, f"the engine took {result.seconds:.0f} s to give up on a hung process"
    stopped = r"LOST +parallel process 1 .* was stopped after [\d.]+ s: pabot's --processtimeout of 22 s"
    assert re.search(stopped + r".* while running 'Suites.Demo.Blocks Past Its Timeout'", result.stdout), result.stdout
    hung = results_of(output)["Blocks Past Its Timeout"]
    assert hung.status == "FAIL" and "--processtimeout" in hung.message


@pytest.mark.skipif(services.stack_mode() != "process", reason="the private stack runs in process mode only")
def test_the_serial_phase_runs_alongside_on_a_private_stack_when_the_wallet_is_the_stand_in(tmp_path):
    """No WALLET_API_URL: the wallet is the local stand-in (started, or the healthy one reused), so the destructive
    test runs against a private stand-in (own database, role, vhost, RabbitMQ user) while pabot runs."""
    claim = services.claim("wallet_destructive")
    if claim is None:
        pytest.skip("another run is using the private stack wallet_destructive")
    claim.close()
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "demo.robot").write_text(ALONGSIDE)
    env = {"RESULTS_DIR": str(tmp_path / "results"), "PABOT_PROCESSES": "2"}
    result = run([RUN_SH, "local", str(tmp_path / "suites")], env, timeout=180)
    assert result.returncode == 0, result.output[-3000:]
    assert "run.sh: serial phase: alongside the parallel phase, against a private stack" in result.stdout
    assert re.search(r"timings: .*private stack [\d.]+ s, serial alongside [\d.]+ s", result.stdout), result.stdout
    assert "2 tests, 2 passed, 0 failed, 0 flaky" in result.stdout
    tests = results_of(tmp_path / "results" / "local" / "latest" / "output.xml")
    parallel_test, destructive = (
        tests["Parallel Test Uses The Shared Stack"],
        tests["Destructive Test Uses The Private Stack"],
    )
    assert destructive.start_time < parallel_test.end_time, "the two phases overlapped"
    private = re.search(r"against a private stack \(wallet (http://127\.0\.0\.1:\d+);", result.stdout).group(1)
    assert not services.healthy(private), "the private stack was stopped"


def test_the_ordering_file_has_one_group_per_process_and_pabot_names_map_back():
    def test(name: str, index: int) -> plan.Test:
        return plan.Test(f"S.A.{name}", ["A", name], ["S", "A"], [], 60.0, index)

    batches = [
        plan.Batch("parallel", 1, [test("T1", 0), test("Price [EUR] Is * Shown?", 1)]),
        plan.Batch("parallel", 2, [test("T3", 2)]),
    ]
    assert parallel.ordering(batches, grouped=True) == (
        "{\n--test S.A.T1\n--test S.A.Price [EUR] Is * Shown?\n}\n{\n--test S.A.T3\n}\n"
    )
    assert (
        parallel.ordering(batches, grouped=False)
        == "--test S.A.T1\n--test S.A.Price [EUR] Is * Shown?\n--test S.A.T3\n"
    )
    # pabot passes each name to robot as a pattern with [, ? and * escaped (pabot/execution_items.py, TestItem)
    assert parallel.unescape("S.A.Price [[]EUR] Is [*] Shown[?]") == "S.A.Price [EUR] Is * Shown?"
    assert parallel.unescape("S.A.[[][*]]") == "S.A.[*]"


def test_pabot_gets_no_option_that_would_add_tests_to_its_groups():
    """--rerunfailed adds its tests to every process's --test list; the plan has applied it already."""
    given = [
        "--rerunfailed",
        "a.xml",
        "--include",
        "smoke",
        "-R",
        "b.xml",
        "--rerunfailed=c.xml",
        "-Rd.xml",
        "-v",
        "X:1",
    ]
    assert options.without(given, phases.ADDING) == ["--include", "smoke", "-v", "X:1"]


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("WALLET_API_URL", "http://127.0.0.1:9", "WALLET_API_URL=http://127.0.0.1:9 refuses connections"),
        ("DATABASE_URL", "postgresql://no_such_role_x:pw-sekret@127.0.0.1:5432/postgres", "DATABASE_URL="),
        ("AMQP_URL", "amqp://guest:wrong-pw-sekret@127.0.0.1:5672/%2F", "AMQP_URL="),
    ],
)
def test_the_preflight_names_the_setting_within_2_s(tmp_path, answering_url, setting, value, expected):
    env = {"WALLET_API_URL": answering_url, "GATEWAY_MOCK_URL": answering_url, "RESULTS_DIR": str(tmp_path)}
    result = run([RUN_SH, "local", "--include", "smoke"], {**env, setting: value}, timeout=30)
    assert result.returncode == 2, result.output
    assert result.seconds < 2, f"took {result.seconds:.2f} s"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert expected in lines[0] and ("export" in lines[0] or "fix" in lines[0]), lines
    assert "sekret" not in result.output, "no password is shown"
    assert not (tmp_path / "local").exists(), "nothing half-done: no results folder"


def test_the_merged_counts_are_checked_against_the_phases(tmp_path):
    suite, output = tmp_path / "two_tests.robot", tmp_path / "output.xml"
    suite.write_text("*** Test Cases ***\nPasses\n    No Operation\nFails\n    Fail    no\n")
    robot = [sys.executable, "-m", "robot", "--output", str(output), "--report", "NONE", "--log", "NONE"]
    subprocess.run([*robot, "--console", "none", str(suite)], check=False)
    result = ExecutionResult(str(output))
    wanted = Counter({"Two Tests.Passes": 1, "Two Tests.Fails": 1})
    results.check(result, wanted, {"Two Tests.Passes": "PASS", "Two Tests.Fails": "FAIL"})
    with pytest.raises(results.MergeMismatch, match=r"Two Tests\.Fails' is FAIL in the report but PASS"):
        results.check(result, wanted, {"Two Tests.Passes": "PASS", "Two Tests.Fails": "PASS"})
    with pytest.raises(results.MergeMismatch, match=r"'Two Tests\.Gone' appears 0 times, planned 1"):
        results.check(result, wanted + Counter({"Two Tests.Gone": 1}), {"Two Tests.Passes": "PASS"})


def test_chunks_are_balanced_by_measured_time_and_keep_suites_whole():
    def test(suite: str, name: str, index: int) -> plan.Test:
        return plan.Test(f"S.{suite}.{name}", [suite, name], ["S", suite], [], 60.0, index)

    tests = [test("Slow", f"T{i}", i) for i in range(4)] + [test("Quick", f"Q{i}", 4 + i) for i in range(8)]
    durations = {t.full_name: (4.0 if "Slow" in t.full_name else 0.5) for t in tests}
    batches = plan.deal("parallel", tests, "chunk", 2, durations)
    loads = sorted(sum(durations[t.full_name] for t in b.tests) for b in batches)
    assert loads == [10.0, 10.0], "16 + 4 s of tests in two processes of 10 s"
    assert all(len({t.suite for t in b.tests}) <= 2 for b in batches)
    assert batches[0].limit_s >= 60 * len(batches[0].tests), "a process may take its tests' timeouts"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1 minute", 60), ("1min 30s", 90), ("90", 90), ("1:30", 90), ("2 hours", 7200), ("100ms", 0.1), ("${T}", None)],
)
def test_robot_time_formats(text, seconds):
    assert plan.seconds(text) == seconds


def test_the_robot_option_table_is_robots_own():
    """The options known before the virtualenv exists are exactly those of `robot --help` (the pinned version)."""
    usage = subprocess.run(
        [sys.executable, "-m", "robot", "--help"], capture_output=True, text=True, check=False
    ).stdout
    names = set(re.findall(r"^\s+(?:-\S\s+)*--([a-z]+)", usage, re.MULTILINE)) - {"help", "version"}
    names = {name[2:] if name.startswith("no") and name[2:] in options.TAKES_VALUE else name for name in names}
    assert names == set(options.TAKES_VALUE)


def test_a_path_with_only_destructive_tests_beside_another_path_runs(tmp_path, answering_url):
    """suites/a (parallel) and suites/b (destructive only): neither phase may find a path without a suite."""
    for name, text in (("a", "*** Test Cases ***\nPlain\n    No Operation\n"), ("b", DESTRUCTIVE_ONLY)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "t.robot").write_text(text)
    env = {"WALLET_API_URL": answering_url, "GATEWAY_MOCK_URL": answering_url, "RESULTS_DIR": str(tmp_path / "out")}
    result = run([RUN_SH, "local", str(tmp_path / "a"), str(tmp_path / "b")], env, 120)
    assert result.returncode == 0, result.output[-3000:]
    assert "2 tests, 2 passed, 0 failed, 0 flaky" in result.stdout


DESTRUCTIVE_ONLY = "*** Test Cases ***\nDisturbs\n    [Tags]    destructive\n    No Operation\n"
