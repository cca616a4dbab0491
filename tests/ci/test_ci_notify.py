"""scripts/notify.py: Slack payload and job summary from output.xml, without network."""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Callable
from pathlib import Path

import notify
import pytest

CI_ENV = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/wallet-api",
    "GITHUB_RUN_ID": "4242",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    "GITHUB_REF_NAME": "main",
}
WEBHOOK = "https://hooks.slack.example/services/T000/B000/very-secret-token"


def run_notify(args: list[str], env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = notify.main(args, env=env)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def payload_from_dry_run(out: str) -> dict[str, object]:
    return json.loads(out[out.index("{") :])


def all_text(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_dry_run_on_failures_names_every_failed_test(failing_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_notify(["--output", str(failing_output), "--dry-run"], CI_ENV, capsys)
    assert code == 0
    assert "5 tests: 2 passed, 2 failed, 1 skipped" in out
    payload = payload_from_dry_run(out)
    text = all_text(payload)
    assert "Suites.Wallet.Journeys.Withdrawal Fails" in text
    assert "Suites.Wallet.Journeys.Transfer Fails With Html" in text
    assert "expected balance 10.00 but got 9.00" in text
    assert "<b>" not in text, "HTML messages are reduced to text"
    assert "Deposit Passes" not in text, "passed tests are not listed"
    assert "https://github.com/acme/wallet-api/actions/runs/4242" in text
    assert "0123456" in text and "main" in text
    assert payload["text"], "incoming webhooks need a text fallback"


def test_green_run_sends_nothing(green_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {**CI_ENV, "SLACK_WEBHOOK_URL": WEBHOOK}
    code, out, _ = run_notify(["--output", str(green_output), "--dry-run"], env, capsys)
    assert code == 0
    assert "nothing would be sent" in out
    assert "{" not in out


def test_green_run_after_a_failure_posts_a_recovery(green_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_notify(["--output", str(green_output), "--dry-run", "--previous-failed"], CI_ENV, capsys)
    assert code == 0
    payload = payload_from_dry_run(out)
    assert "green again" in payload["text"]
    assert "2 tests: 2 passed, 0 failed, 0 skipped" in all_text(payload)


def test_summary_markdown_has_totals_and_failed_tests(
    failing_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n", encoding="utf-8")
    code, _, _ = run_notify(["--output", str(failing_output), "--summary", str(summary)], CI_ENV, capsys)
    assert code == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("previous step\n"), "the summary is appended, never overwritten"
    assert "| Total | Passed | Failed | Skipped | Duration |" in text
    assert "| 5 | 2 | 2 | 1 |" in text
    assert "### Failed tests" in text
    assert "| `Suites.Wallet.Journeys.Withdrawal Fails` | expected balance 10.00 but got 9.00 |" in text


def test_green_summary_says_all_passed(green_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_notify(["--output", str(green_output), "--summary", "-"], CI_ENV, capsys)
    assert code == 0
    assert "all passed" in out
    assert "Failed tests" not in out


def test_payload_file_and_step_outputs(
    failing_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload_file, outputs = tmp_path / "payload.json", tmp_path / "github_output"
    env = {**CI_ENV, "GITHUB_OUTPUT": str(outputs), "SLACK_WEBHOOK_URL": WEBHOOK}
    code, out, _ = run_notify(["--output", str(failing_output), "--payload-file", str(payload_file)], env, capsys)
    assert code == 0
    assert "Withdrawal Fails" in payload_file.read_text(encoding="utf-8")
    values = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines())
    assert values == {
        "status": "fail",
        "kind": "failure",
        "send": "true",
        "total": "5",
        "passed": "2",
        "failed": "2",
        "skipped": "1",
    }
    assert WEBHOOK not in out


def test_green_payload_file_says_do_not_send(
    green_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "github_output"
    env = {**CI_ENV, "GITHUB_OUTPUT": str(outputs)}
    args = ["--output", str(green_output), "--payload-file", str(tmp_path / "p.json")]
    assert run_notify(args, env, capsys)[0] == 0
    assert "send=false" in outputs.read_text(encoding="utf-8")
    assert "status=pass" in outputs.read_text(encoding="utf-8")


def test_missing_output_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_notify(["--output", str(tmp_path / "nope.xml"), "--dry-run"], CI_ENV, capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no output.xml" in err


def test_not_a_robot_output_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "output.xml"
    bogus.write_text("<junit/>", encoding="utf-8")
    code, _, err = run_notify(["--output", str(bogus)], CI_ENV, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_missing_output_allowed_reports_an_error_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "github_output"
    env = {**CI_ENV, "GITHUB_OUTPUT": str(outputs)}
    code, out, _ = run_notify(
        ["--output", str(tmp_path / "nope.xml"), "--allow-missing", "--dry-run", "--summary", "-"], env, capsys
    )
    assert code == 0
    assert "no results" in out
    assert "status=error" in outputs.read_text(encoding="utf-8")
    assert "send=true" in outputs.read_text(encoding="utf-8")


def test_bad_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_notify(["--bogus"], CI_ENV, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_without_webhook_nothing_is_sent(failing_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_notify(["--output", str(failing_output)], CI_ENV, capsys)
    assert code == 0
    assert "SLACK_WEBHOOK_URL is not set" in out


def test_send_posts_json_with_a_timeout(
    failing_output: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = []

    class _Response:
        status = 200

        def read(self, _n: int) -> bytes:
            return b"ok"

        def __enter__(self) -> _Response:
            return self

        def __exit__(self, *_exc: object) -> None:
            return None

    def fake_urlopen(request, timeout):  # type: ignore[no-untyped-def]
        calls.append((request, timeout))
        return _Response()

    monkeypatch.setattr(notify.urllib.request, "urlopen", fake_urlopen)
    env = {**CI_ENV, "SLACK_WEBHOOK_URL": WEBHOOK}
    code, out, err = run_notify(["--output", str(failing_output), "--timeout", "3"], env, capsys)
    assert code == 0
    assert "sent to Slack" in out
    request, timeout = calls[0]
    assert timeout == 3
    assert request.get_header("Content-type").startswith("application/json")
    assert "Withdrawal Fails" in json.loads(request.data)["text"] + json.dumps(json.loads(request.data))
    assert WEBHOOK not in out + err


def test_slack_error_exits_3_without_showing_the_url(
    failing_output: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refused(request, timeout):  # type: ignore[no-untyped-def]
        raise urllib.error.URLError(ConnectionRefusedError(f"cannot reach {request.full_url}"))

    monkeypatch.setattr(notify.urllib.request, "urlopen", refused)
    env = {**CI_ENV, "SLACK_WEBHOOK_URL": WEBHOOK}
    code, out, err = run_notify(["--output", str(failing_output)], env, capsys)
    assert code == 3
    assert "could not be reached" in err
    assert "very-secret-token" not in out + err


def test_non_https_webhook_is_refused_without_showing_it(
    failing_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**CI_ENV, "SLACK_WEBHOOK_URL": "http://hooks.example/secret-path-123"}
    code, out, err = run_notify(["--output", str(failing_output)], env, capsys)
    assert code == 3
    assert "secret-path-123" not in out + err


def test_secrets_in_failure_messages_are_masked(
    make_output: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvd25lci0xIn0.c2lnbmF0dXJlLXZhbHVl"
    output = make_output(
        {
            "leak.robot": f"""
            *** Test Cases ***
            Leaky Failure
                Fail    token {jwt} and secret local-jwt-secret-not-for-prod and amqp://u:hunter22@h/v
            """
        }
    )
    env = {
        **CI_ENV,
        "JWT_SECRET": "local-jwt-secret-not-for-prod",
        "WALLET_AMQP_URL": "amqp://u:hunter22@h/v",
    }
    code, out, _ = run_notify(["--output", str(output), "--dry-run", "--summary", "-"], env, capsys)
    assert code == 0
    assert "Leaky Failure" in out
    for secret in (jwt, "local-jwt-secret-not-for-prod", "hunter22"):
        assert secret not in out


def test_long_failure_lists_are_capped(make_output: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    tests = "\n".join(f"Failing {i}\n    Fail    boom {i}" for i in range(15))
    output = make_output({"many.robot": f"*** Test Cases ***\n{tests}\n"})
    code, out, _ = run_notify(["--output", str(output), "--dry-run"], CI_ENV, capsys)
    assert code == 0
    text = all_text(payload_from_dry_run(out))
    assert "and 5 more" in text
    for block in payload_from_dry_run(out)["blocks"]:  # type: ignore[union-attr]
        assert len(block["text"]["text"]) <= 3000


def test_local_fallbacks_without_github_variables(failing_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_notify(["--output", str(failing_output), "--dry-run", "--branch", "feature/x"], {}, capsys)
    assert code == 0
    text = all_text(payload_from_dry_run(out))
    assert "feature/x" in text
    assert (failing_output.parent / "report.html").as_uri() in text


@pytest.mark.parametrize(("seconds", "expected"), [(4.24, "4.2s"), (125, "2m 05s"), (3723, "1h 02m 03s")])
def test_format_duration(seconds: float, expected: str) -> None:
    from datetime import timedelta

    assert notify.format_duration(timedelta(seconds=seconds)) == expected
