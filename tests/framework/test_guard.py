"""The production guard: run.sh refuses production, unknown environments and deny-listed hosts, fast,
with one line, before a single request; the Robot keyword repeats the check; guard.py's rules."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import guard
import pytest
from _helpers import ROOT, STAGING_SECRETS, connections, run, urls_to
from robot.api import ExecutionResult

RUN_SH = str(ROOT / "run.sh")


def assert_refused(result, *expected: str) -> None:
    assert result.returncode != 0, f"expected a refusal, got exit 0: {result.output}"
    assert result.seconds < 2, f"expected a refusal within 2 s, took {result.seconds:.2f} s"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    for text in expected:
        assert text in lines[0], f"expected {text!r} in {lines[0]!r}"
    assert result.stdout == "", f"expected nothing on stdout, got {result.stdout!r}"


@pytest.mark.parametrize("environment", ["production", "prod", "PRODUCTION", "prod-eu"])
def test_production_is_refused_before_any_request(trap_socket, environment):
    result = run([RUN_SH, environment], env=urls_to(trap_socket))
    assert_refused(result, "production", "local, ci, staging")
    assert connections(trap_socket) == 0


def test_unknown_environment_lists_the_valid_ones(trap_socket):
    result = run([RUN_SH, "nosuchenv"], env=urls_to(trap_socket))
    assert_refused(result, "unknown environment 'nosuchenv'", "local, ci, staging")
    assert connections(trap_socket) == 0


def test_variables_file_name_with_underscore_is_not_an_environment():
    result = run([RUN_SH, "_settings"])
    assert_refused(result, "unknown environment")


def test_staging_with_a_denylisted_host_is_refused(trap_socket):
    env = {**urls_to(trap_socket), **STAGING_SECRETS, "WALLET_API_URL": "https://wallet.production.example.com"}
    result = run([RUN_SH, "staging"], env=env)
    assert_refused(result, "WALLET_API_URL", "wallet.production.example.com", "PRODUCTION_HOST_DENYLIST")
    assert connections(trap_socket) == 0


def test_configured_denylist_applies_to_local_too(trap_socket):
    env = {**urls_to(trap_socket), "PRODUCTION_HOST_DENYLIST": "*.example.org, 127.0.0.*"}
    result = run([RUN_SH, "local"], env=env)
    assert_refused(result, "127.0.0.1", "127.0.0.*")
    assert connections(trap_socket) == 0


def test_stack_command_is_guarded_too(trap_socket):
    env = {**urls_to(trap_socket), "PRODUCTION_HOST_DENYLIST": "127.0.0.1"}
    result = run([RUN_SH, "stack", "up"], env=env)
    assert_refused(result, "deny-list")
    assert connections(trap_socket) == 0


def test_missing_staging_setting_is_one_line_naming_it(trap_socket):
    env = {**urls_to(trap_socket), **STAGING_SECRETS}
    del env["AMQP_URL"]
    result = run([RUN_SH, "staging"], env=env)
    assert_refused(result, "AMQP_URL", "export AMQP_URL=")
    assert "JWT_SECRET" not in result.stderr
    assert connections(trap_socket) == 0


def test_missing_staging_secret_is_named_and_never_defaulted(trap_socket):
    env = {**urls_to(trap_socket), "JWT_SECRET": "x-secret-value"}
    result = run([RUN_SH, "staging"], env=env)
    assert_refused(result, "GATEWAY_WEBHOOK_SECRET")
    assert "x-secret-value" not in result.output


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("wallet.prod.example.com", True),
        ("api-production.internal", True),
        ("payments.live.example.com", True),
        ("live.example.com", True),
        ("WALLET.PROD.EXAMPLE.COM", True),
        ("wallet.staging.example.com", False),
        ("127.0.0.1", False),
        ("localhost", False),
    ],
)
def test_default_denylist(host, refused):
    settings = {"WALLET_API_URL": f"https://{host}:443/v1"}
    if refused:
        with pytest.raises(guard.GuardError, match="deny-list"):
            guard.check_hosts(settings, environ={})
    else:
        guard.check_hosts(settings, environ={})


def test_denylist_checks_every_url_setting_and_ignores_others():
    settings = {"ENVIRONMENT": "prod-like-name-is-not-a-url", "AMQP_URL": "amqp://u:p@mq.prod.internal:5672/vh"}
    with pytest.raises(guard.GuardError, match=r"AMQP_URL points at host 'mq\.prod\.internal'"):
        guard.check_hosts(settings, environ={})


def test_denylist_message_never_shows_a_password():
    settings = {"DATABASE_URL": "postgresql://user:topsecretpw@db.prod.internal/x"}
    with pytest.raises(guard.GuardError) as error:
        guard.check_hosts(settings, environ={})
    assert "topsecretpw" not in str(error.value)


def test_denylist_from_environment_replaces_the_defaults():
    assert guard.denylist({"PRODUCTION_HOST_DENYLIST": " a.example , *.b "}) == ["a.example", "*.b"]
    assert "*prod*" in guard.denylist({})


@pytest.mark.parametrize("name", ["local", "ci", "staging"])
def test_allowed_environments_pass(name):
    guard.check_environment_name(name)


@pytest.mark.parametrize("name", ["", None, "production", "Prod", "dev", "local ", "staging2"])
def test_other_environments_are_refused(name):
    with pytest.raises(guard.GuardError):
        guard.check_environment_name(name)


def test_settings_error_is_refused():
    with pytest.raises(guard.GuardError, match="needs JWT_SECRET"):
        guard.check("staging", {"SETTINGS_ERROR": "environment 'staging' needs JWT_SECRET"})


GUARDED_SUITE = textwrap.dedent(
    """\
    *** Settings ***
    Library    WalletLibrary
    Suite Setup    Environment Should Be Safe For Tests

    *** Test Cases ***
    Guarded
        No Operation
    """
)


def run_guarded_suite(tmp_path: Path, *options: str, env: dict[str, str] | None = None):
    suite = tmp_path / "guarded.robot"
    suite.write_text(GUARDED_SUITE)
    output = tmp_path / "output.xml"
    args = [str(ROOT / ".venv/bin/robot"), "--pythonpath", str(ROOT / "libraries"), "--output", str(output)]
    args += ["--report", "NONE", "--log", "NONE", "--console", "quiet", *options, str(suite)]
    result = run(args, env=env, timeout=60)
    return result, ExecutionResult(str(output)).suite


def test_robot_keyword_passes_on_local(tmp_path, trap_socket):
    result, suite = run_guarded_suite(
        tmp_path, "--variablefile", str(ROOT / "variables/local.py"), env=urls_to(trap_socket)
    )
    assert result.returncode == 0, suite.message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), "no environment"),
        (("--variable", "ENVIRONMENT:production"), "production"),
        (("--variablefile", "variables/local.py", "--variable", "WALLET_API_URL:https://w.prod.example"), "deny-list"),
        (("--variablefile", "variables/staging.py"), "needs JWT_SECRET, GATEWAY_WEBHOOK_SECRET"),
    ],
)
def test_robot_keyword_stops_unsafe_runs(tmp_path, trap_socket, options, expected):
    options = tuple(str(ROOT / option) if option.startswith("variables/") else option for option in options)
    result, suite = run_guarded_suite(tmp_path, *options, env=urls_to(trap_socket))
    assert result.returncode != 0
    assert expected in suite.message, f"expected {expected!r} in the suite setup failure {suite.message!r}"
    assert connections(trap_socket) == 0


def test_guard_cli_needs_no_virtualenv():
    """guard.py is stdlib only: the system python3 runs it before .venv exists."""
    result = subprocess.run(
        ["python3", "-I", str(ROOT / "libraries/guard.py"), "prod"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "production" in result.stderr
