"""run.sh: help, argument handling, and whole runs of throwaway suites (phases, results layout, secrets).

The runs point WALLET_API_URL and GATEWAY_MOCK_URL at a server that answers anything (`answering_url`), so
run.sh starts no stack and the preflight passes, and write into a temporary RESULTS_DIR, so results/local/latest
is left alone.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from _helpers import ROOT, run, throwaway_env
from SecretRedactor import scan

from variables._settings import resolve

RUN_SH = str(ROOT / "run.sh")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"

SUITE = textwrap.dedent(
    f"""\
    *** Settings ***
    Library    WalletLibrary
    Suite Setup    Environment Should Be Safe For Tests

    *** Variables ***
    ${{TOKEN}}    {JWT}

    *** Test Cases ***
    Parallel Passes
        Log    secret ${{JWT_SECRET}} token ${{TOKEN}} run ${{RUN_ID}}

    Parallel Fails With A Secret
        Fail    bad ${{GATEWAY_WEBHOOK_SECRET}} ${{TOKEN}}

    Destructive Runs Serially
        [Tags]    destructive
        Log    ${{GATEWAY_WEBHOOK_SECRET}}

    Stress Runs Only When Asked
        [Tags]    stress
        Should Be Equal    ${{STRESS_PROFILE}}    smoke
    """
)


@pytest.fixture
def project(tmp_path: Path, answering_url: str) -> dict[str, object]:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "demo.robot").write_text(SUITE)
    env = throwaway_env(tmp_path / "results", answering_url)
    return {"suites": suites, "env": env, "results": tmp_path / "results"}


def statuses_in(output: Path) -> dict[str, str]:
    return {test.get("name"): test.find("status").get("status") for test in ET.parse(output).getroot().iter("test")}


def test_help_lists_every_command():
    result = run([RUN_SH, "--help"], timeout=10)
    assert result.returncode == 0
    for text in ("stack up|down|status", "test", "docs", "notify", "dashboard", "mutants", "coverage", "benchmark"):
        assert text in result.stdout
    for text in ("--stress", "--profile", "--fail-on-flaky", "--per-test", "--serial", "--processes", "shard", "check"):
        assert text in result.stdout
    for environment in ("local", "ci", "staging"):
        assert environment in result.stdout


@pytest.mark.parametrize("command", ["test", "docs", "benchmark", "shard", "stack", "check"])
def test_every_command_has_help(command):
    result = run([RUN_SH, command, "--help"], timeout=10)
    assert result.returncode == 0, result.output
    assert "Usage" in result.stdout or "./run.sh" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["local", "--no-such-option"], "not recognized"),
        (["local", "--processes", "zero"], "--processes"),
        (["local", "--profile", "smoke"], "add --stress"),
        (["local", "--outputdir", "/tmp/x"], "--outputdir is set by run.sh"),
        (["local", "--include"], "--include"),
        (["local", "no/such/suites"], "no such suite file or folder"),
        (["local", "--loglevel", "NOSUCHLEVEL"], "--loglevel"),
        (["stack"], "usage: ./run.sh stack"),
        (["stack", "up", "--env", "staging"], "local or ci only"),
        (["benchmark", "--modes", "fast"], "--modes"),
        (["shard", "run", "3", "2"], "INDEX and TOTAL"),
        (["docs", "extra"], "no arguments"),
        (["check", "no/such/path"], "no such suite file or folder"),
        (["local", "-v", "NO_SUCH_VARIABLE_X:1"], "no setting of that name"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2_within_2_s(args, expected):
    result = run([RUN_SH, *args], timeout=60)
    assert result.returncode == 2, result.output
    assert result.seconds < 2, f"answered in {result.seconds:.2f} s"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("run.sh: ") and expected in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["production"], {}),
        (["local", "--bogus"], {}),
        (["stack", "up", "--env", "staging"], {}),
        (["local"], {"WALLET_API_URL": "http://127.0.0.1:9"}),
        (["local", "-v", "WALLET_API_URL:http://127.0.0.1:9"], {}),
    ],
)
def test_a_fresh_clone_answers_bad_input_before_creating_the_virtualenv(tmp_path, args, env):
    """System python3 and the standard library only: no .venv is created for a refused command."""
    venv = tmp_path / "fresh-venv"
    result = run([RUN_SH, *args], env={"VENV": str(venv), **env}, timeout=30)
    assert result.returncode == 2 and result.seconds < 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not venv.exists()


def test_no_tests_selected_is_one_line(project):
    result = run([RUN_SH, "local", "--include", "nosuchtag", str(project["suites"])], env=project["env"])
    assert result.returncode == 2
    assert "no tests selected" in result.stderr


def test_a_run_writes_one_combined_report_and_no_secret(project):
    result = run([RUN_SH, "local", str(project["suites"])], env=project["env"], timeout=300)
    assert result.returncode == 1, f"one test fails on purpose: {result.output[-3000:]}"
    latest = project["results"] / "local" / "latest"
    assert latest.is_symlink()
    for name in ("report.html", "log.html", "output.xml", "xunit.xml", "console.log"):
        assert (latest / name).is_file(), f"{name} missing in {sorted(p.name for p in latest.iterdir())}"
    assert statuses_in(latest / "output.xml") == {
        "Parallel Passes": "PASS",
        "Parallel Fails With A Secret": "FAIL",
        "Destructive Runs Serially": "PASS",
    }
    assert "3 tests, 2 passed, 1 failed, 0 flaky" in result.stdout
    assert "serial phase: after the parallel phase (WALLET_API_URL is set: a service of your own" in result.stdout
    assert "latest/report.html" in result.stdout
    assert "3 tests, 2 passed, 1 failed, 0 flaky" in (latest / "console.log").read_text()
    assert scan([project["results"]], environ={"JWT_SECRET": "local-jwt-secret-not-for-prod"}) == []
    everything = "".join(p.read_text(errors="replace") for p in project["results"].rglob("*") if p.is_file())
    for secret in ("local-jwt-secret-not-for-prod", "local-webhook-secret-not-for-prod", JWT):
        assert secret not in everything
        assert secret not in result.output
    xunit = ET.parse(latest / "xunit.xml").getroot()
    assert xunit.get("tests") == "3"
    assert xunit.get("failures") == "1"


def test_staging_skips_destructive_tests(project):
    local = resolve("local", {})
    env = {
        **project["env"],
        "DATABASE_URL": local["DATABASE_URL"],
        "AMQP_URL": local["AMQP_URL"],
        "JWT_SECRET": "staging-jwt-secret",
        "GATEWAY_WEBHOOK_SECRET": "staging-webhook-secret",
    }
    result = run([RUN_SH, "staging", "--test", "Parallel Passes", "--test", "Destr*", str(project["suites"])], env=env)
    assert result.returncode == 0, result.output[-3000:]
    assert statuses_in(project["results"] / "staging" / "latest" / "output.xml") == {"Parallel Passes": "PASS"}


def test_stress_runs_only_the_stress_tests_with_the_profile(project):
    result = run([RUN_SH, "local", "--stress", "--profile", "smoke", str(project["suites"])], env=project["env"])
    assert result.returncode == 0, result.output[-3000:]
    assert statuses_in(project["results"] / "local" / "latest" / "output.xml") == {
        "Stress Runs Only When Asked": "PASS"
    }


@pytest.mark.parametrize("mode", ["--chunk", "--per-test", "--serial"])
def test_a_passing_run_exits_0_and_keeps_only_the_results(project, mode):
    result = run([RUN_SH, "ci", mode, "--test", "Parallel Passes", str(project["suites"])], env=project["env"])
    assert result.returncode == 0, result.output[-3000:]
    latest = (project["results"] / "ci" / "latest").resolve()
    assert sorted(p.name for p in latest.iterdir()) == [
        "console.log",
        "log.html",
        "output.xml",
        "report.html",
        "xunit.xml",
    ]
    assert "1 tests, 1 passed, 0 failed, 0 flaky" in result.stdout
