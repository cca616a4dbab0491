"""variables/: the environments, `python3 -m variables ENV`, overrides and the staging rules."""

from __future__ import annotations

import subprocess

import pytest
from _helpers import ROOT, STAGING_SECRETS, run

from variables import _settings
from variables._settings import SECRET_NAMES, SETTING_NAMES, SettingsError, resolve, robot_variables

BRIEF_NAMES = {
    "WALLET_API_URL",
    "GATEWAY_MOCK_URL",
    "GATEWAY_URL",
    "WALLET_WEBHOOK_URL",
    "DATABASE_URL",
    "WALLET_DATABASE_URL",
    "AMQP_URL",
    "WALLET_AMQP_URL",
    "RABBITMQ_MANAGEMENT_URL",
    "RABBITMQ_MANAGEMENT_USER",
    "RABBITMQ_MANAGEMENT_PASSWORD",
    "RABBITMQ_VHOST",
    "WALLET_DB_ROLE",
    "WALLET_AMQP_USER",
    "JWT_SECRET",
    "GATEWAY_WEBHOOK_SECRET",
    "GATEWAY_TIMEOUT_MS",
    "SUPPORTED_CURRENCIES",
    "HTTP_TIMEOUT",
    "EVENT_TIMEOUT",
    "HEALTH_TIMEOUT",
}
STAGING_ADDRESSES = {
    "WALLET_API_URL": "https://wallet.staging.example.com",
    "GATEWAY_MOCK_URL": "https://gateway-mock.staging.example.com",
    "DATABASE_URL": "postgresql://tester:db-pass-123@db.staging.example.com:5432/wallet",
    "AMQP_URL": "amqp://tester:mq-pass-123@mq.staging.example.com:5672/wallet",
}


def export_lines(environment: str, env: dict[str, str] | None = None):
    return run(["python3", "-m", "variables", environment], env=env, timeout=10)


def shell_values(script: str) -> dict[str, str]:
    """Evaluate export lines in bash and read every setting back."""
    names = " ".join(["ENVIRONMENT", *SETTING_NAMES])
    program = f'{script}\nfor n in {names}; do printf "%s=%s\\0" "$n" "${{!n}}"; done'
    output = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True, env={}).stdout
    return dict(item.split("=", 1) for item in output.split("\0") if item)


def test_the_settings_are_exactly_the_briefs():
    assert set(SETTING_NAMES) == BRIEF_NAMES
    assert set(SECRET_NAMES) == {"JWT_SECRET", "GATEWAY_WEBHOOK_SECRET", "RABBITMQ_MANAGEMENT_PASSWORD"}


def test_environments_are_the_variable_files():
    assert _settings.environments() == ["ci", "local", "staging"]


@pytest.mark.parametrize("environment", ["local", "ci"])
def test_local_environments_export_every_setting_with_defaults(environment):
    result = export_lines(environment, {"LOCAL_STACK": "default"})  # the defaults, whichever checkout holds them
    assert result.returncode == 0, result.stderr
    values = shell_values(result.stdout)
    assert values["ENVIRONMENT"] == environment
    assert values["WALLET_API_URL"] == "http://127.0.0.1:8080"
    assert values["JWT_SECRET"] == "local-jwt-secret-not-for-prod"
    assert values["WALLET_DATABASE_URL"] == "postgresql://wallet_api:wallet_api@127.0.0.1:5432/wallet_test"
    assert all(line.startswith("export ") for line in result.stdout.splitlines())


def test_every_setting_is_overridable_and_quoted_safely():
    tricky = 'it\'s $HOME `id` "q" \\ x'
    env = {name: f"{name}-{tricky}" for name in SETTING_NAMES}
    result = export_lines("local", env)
    assert result.returncode == 0, result.stderr
    values = shell_values(result.stdout)
    for name in SETTING_NAMES:
        assert values[name] == f"{name}-{tricky}"


def test_environment_name_is_not_overridable():
    result = export_lines("local", {"ENVIRONMENT": "production"})
    assert shell_values(result.stdout)["ENVIRONMENT"] == "local"


def test_unknown_environment_is_one_line_listing_the_valid_ones():
    result = export_lines("nosuchenv")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "nosuchenv" in lines[0]
    assert "ci, local, staging" in lines[0]


def test_staging_takes_everything_from_the_environment():
    result = export_lines("staging", {**STAGING_ADDRESSES, **STAGING_SECRETS})
    assert result.returncode == 0, result.stderr
    values = shell_values(result.stdout)
    assert values["WALLET_API_URL"] == STAGING_ADDRESSES["WALLET_API_URL"]
    assert values["JWT_SECRET"] == STAGING_SECRETS["JWT_SECRET"]
    assert values["HTTP_TIMEOUT"] == "5"
    # Settings only the local stack uses have no local default on staging.
    assert values["WALLET_DATABASE_URL"] == ""
    assert values["RABBITMQ_MANAGEMENT_PASSWORD"] == ""


@pytest.mark.parametrize("missing", [*STAGING_ADDRESSES, *STAGING_SECRETS])
def test_staging_names_each_missing_setting(missing):
    env = {**STAGING_ADDRESSES, **STAGING_SECRETS}
    del env[missing]
    result = export_lines("staging", env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"needs {missing} " in lines[0]
    assert f"export {missing}=" in lines[0]


def test_empty_value_counts_as_missing_on_staging():
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        resolve("staging", {**STAGING_ADDRESSES, **STAGING_SECRETS, "JWT_SECRET": ""})


def test_staging_never_uses_local_secrets():
    values = resolve("staging", {**STAGING_ADDRESSES, **STAGING_SECRETS})
    local = resolve("local", {})
    for name in SECRET_NAMES:
        assert values[name] != local[name]


def test_robot_variables_have_numeric_timeouts():
    values = robot_variables("local", {"HTTP_TIMEOUT": "2.5"})
    assert values["HTTP_TIMEOUT"] == 2.5
    assert values["HEALTH_TIMEOUT"] == 30
    assert values["SETTINGS_ERROR"] == ""


def test_robot_variables_carry_the_error_instead_of_failing_the_import():
    values = robot_variables("staging", {})
    assert set(values) == {"ENVIRONMENT", "SETTINGS_ERROR"}
    assert "needs WALLET_API_URL" in values["SETTINGS_ERROR"]
    values = robot_variables("local", {"HTTP_TIMEOUT": "soon"})
    assert "HTTP_TIMEOUT='soon' is not a number" in values["SETTINGS_ERROR"]


@pytest.mark.parametrize("environment", ["local", "ci", "staging"])
def test_variable_files_load_in_robot(tmp_path, environment):
    suite = tmp_path / "check.robot"
    suite.write_text(
        "*** Test Cases ***\nCheck\n    Should Be Equal    ${ENVIRONMENT}    " + environment + "\n"
        "    Should Be Equal    ${WALLET_API_URL}    https://wallet.staging.example.com\n"
        "    Should Be Equal As Numbers    ${HTTP_TIMEOUT}    5\n"
    )
    env = {**STAGING_ADDRESSES, **STAGING_SECRETS}
    args = [str(ROOT / ".venv/bin/robot"), "--variablefile", str(ROOT / f"variables/{environment}.py")]
    args += ["--output", "NONE", "--report", "NONE", "--log", "NONE", "--console", "quiet", str(suite)]
    result = run(args, env=env, timeout=60)
    assert result.returncode == 0, result.output
