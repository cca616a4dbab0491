"""SecretRedactor: what is masked, and that output.xml of a robot run holds no secret."""

from __future__ import annotations

import textwrap

import pytest
from _helpers import ROOT, run
from SecretRedactor import MASK, find_leaks, redact, scan, secret_values

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvd25lci0xIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
STAGING = {
    "JWT_SECRET": "jwt-secret-value",
    "GATEWAY_WEBHOOK_SECRET": "hook-secret-value",
    "RABBITMQ_MANAGEMENT_USER": "admin",
    "RABBITMQ_MANAGEMENT_PASSWORD": "mgmt-pass-value",
    "DATABASE_URL": "postgresql://tester:db%40pass@db.staging.example.com/wallet",
    "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/wallet_test",
}


def test_secret_values_include_secrets_and_url_passwords():
    values = secret_values(STAGING)
    for expected in ("jwt-secret-value", "hook-secret-value", "mgmt-pass-value", "db@pass", "db%40pass"):
        assert expected in values
    assert "admin" not in values
    assert "guest" not in values, "a password equal to its user name is public (local defaults)"


def test_short_values_are_not_masked_literally():
    assert secret_values({"JWT_SECRET": "abc"}) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("secret is jwt-secret-value!", f"secret is {MASK}!"),
        (f"token {JWT} end", f"token {MASK} end"),
        ("{'authorization': 'Bearer not-a-jwt'}", f"{{'authorization': 'Bearer {MASK}'}}"),
        ("amqp://bob:hunter22@mq:5672/x", f"amqp://bob:{MASK}@mq:5672/x"),
        ("postgresql://tester:db%40pass@db/x", f"postgresql://tester:{MASK}@db/x"),
        ("www-authenticate: Bearer", "www-authenticate: Bearer"),
        ("nothing to hide", "nothing to hide"),
    ],
    ids=["secret", "jwt", "bearer", "url-password", "encoded-url-password", "bare-bearer", "clean"],
)
def test_redact(text, expected):
    assert redact(text, secret_values(STAGING)) == expected


def test_find_leaks_never_returns_the_value():
    leaks = find_leaks(f"x jwt-secret-value {JWT}", secret_values(STAGING))
    assert leaks == ["a secret value of 16 characters", "a JWT"]


def test_scan_lists_leaking_files(tmp_path):
    (tmp_path / "clean.txt").write_text("all *** here")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "leak.xml").write_text(f"<msg>{JWT}</msg>")
    (tmp_path / "secret.log").write_text("hook-secret-value")
    problems = scan([tmp_path], environ=STAGING)
    assert len(problems) == 2
    assert any("leak.xml: a JWT" in problem for problem in problems)
    assert any("secret.log: a secret value" in problem for problem in problems)
    assert all("hook-secret-value" not in problem for problem in problems)


def test_robot_run_with_the_listener_keeps_secrets_out_of_output_xml(tmp_path):
    suite = tmp_path / "leaky.robot"
    suite.write_text(
        textwrap.dedent(
            f"""\
            *** Variables ***
            ${{TOKEN}}    {JWT}

            *** Test Cases ***
            Logs Secrets
                Log    ${{JWT_SECRET}} ${{GATEWAY_WEBHOOK_SECRET}} ${{RABBITMQ_MANAGEMENT_PASSWORD}}
                Log    ${{TOKEN}}    level=WARN
                Log    Authorization: Bearer ${{TOKEN}}
                Log    ${{DATABASE_URL}}
                ${{copy}} =    Set Variable    ${{JWT_SECRET}}

            Fails With A Secret
                Fail    token ${{TOKEN}} secret ${{JWT_SECRET}}
            """
        )
    )
    env = {
        **STAGING,
        "WALLET_API_URL": "https://wallet.staging.example.com",
        "GATEWAY_MOCK_URL": "https://mock.staging.example.com",
    }
    args = [str(ROOT / ".venv/bin/robot"), "--variablefile", str(ROOT / "variables/staging.py")]
    args += ["--listener", str(ROOT / "libraries/SecretRedactor.py"), "--loglevel", "TRACE"]
    args += ["--outputdir", str(tmp_path / "out"), "--xunit", "xunit.xml", str(suite)]
    result = run(args, env=env, timeout=60)
    assert result.returncode == 1, result.output
    assert scan([tmp_path / "out"], environ=env) == []
    output = (tmp_path / "out" / "output.xml").read_text()
    assert "db%40pass" not in output
    assert output.count(MASK) >= 6
    for leaked in ("jwt-secret-value", "hook-secret-value", "mgmt-pass-value", "eyJ"):
        assert leaked not in result.output, f"{leaked} on the console"
