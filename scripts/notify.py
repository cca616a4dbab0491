#!/usr/bin/env python3
"""Slack message and CI job summary built from a Robot Framework ``output.xml``.

Usage (normally through ``./run.sh notify [options]``)::

    notify.py [--output PATH] [--dry-run] [--previous-failed] [--summary FILE|-] [--payload-file FILE]
              [--allow-missing] [--branch B] [--commit SHA] [--run-url URL] [--timeout S]

What it does:
- reads the run with Robot's result API (default ``results/ci/latest/output.xml``);
- decides what to say: ``failure`` when a test failed, ``recovery`` when everything passed and
  ``--previous-failed`` says the previous run had failed, ``flaky`` when everything passed but some tests
  only on their rerun (run.sh tags them ``flaky``), otherwise ``none`` (nothing is posted);
- flaky tests are named in the Slack message and the summary whatever the run's status;
- ``--summary FILE`` appends a Markdown summary (totals table, failed and flaky tests) to FILE, e.g.
  ``"$GITHUB_STEP_SUMMARY"`` (``-`` = stdout);
- ``--payload-file FILE`` writes the Slack payload as JSON (for ``slackapi/slack-github-action``'s
  ``payload-file-path``) and sends nothing itself;
- ``--dry-run`` prints the payload (or says that nothing would be sent) and sends nothing;
- otherwise it POSTs the payload to ``$SLACK_WEBHOOK_URL`` when that is set (the URL is a secret and
  is never printed) and says so when it is not.
When ``$GITHUB_OUTPUT`` is set, it also writes the step outputs ``status`` (pass|fail|error), ``kind``
(failure|recovery|flaky|error|none), ``send`` (true|false), ``total``, ``passed``, ``failed``, ``skipped``,
``flaky`` (only when there are flaky tests).

Exit codes:
    0  done: the payload was printed, written or sent, or there was nothing to send
    2  bad usage, or the output.xml is missing or unreadable (without --allow-missing)
    3  Slack could not be reached or answered with an error

The exit code never reflects test failures: the test run itself (``./run.sh ci``) does.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "libraries"))
from notify_messages import build_payload, build_summary, format_duration, totals_line
from SecretRedactor import redact

__all__ = ["build_payload", "build_summary", "format_duration", "main", "totals_line"]
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "results" / "ci" / "latest" / "output.xml"

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_SEND_FAILED = 3

FLAKY_TAG = "flaky"  # run.sh's tag of a test that failed, then passed when rerun in a fresh process
MESSAGE_CHARS = 160  # a failed test's message is cut to this many characters

_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|WEBHOOK_URL|API_KEY)", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@\s]+:([^@/\s]+)@", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")


class NotifyError(Exception):
    """A problem the user must fix; the message is one line."""


@dataclass
class Failure:
    """One failed test: its long name and a one-line, shortened message."""

    name: str
    message: str


@dataclass
class RunSummary:
    """What the notification and the summary need from one output.xml."""

    name: str
    total: int
    passed: int
    failed: int
    skipped: int
    duration: timedelta | None
    failures: list[Failure] = field(default_factory=list)
    flaky: list[Failure] = field(default_factory=list)  # tagged flaky; the message is the first failure
    errors: list[str] = field(default_factory=list)
    missing_reason: str | None = None  # set when there is no usable output.xml

    @property
    def status(self) -> str:
        """``error`` without results, ``fail`` when a test failed, else ``pass``."""
        if self.missing_reason is not None:
            return "error"
        return "fail" if self.failed else "pass"


@dataclass
class CiContext:
    """Where the run comes from: branch, commit, a link to the run, the wallet image under test."""

    branch: str
    commit: str
    run_url: str
    repository: str = ""
    commit_url: str = ""
    image: str = ""
    workflow: str = ""


# --------------------------------------------------------------------------------------------------
# masking


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values that must never be printed: secret-named variables and passwords inside URLs."""
    values: set[str] = set()
    for name, value in env.items():
        if not value:
            continue
        if _SECRET_NAME.search(name) and len(value) >= 6:
            values.add(value)
        match = _URL_PASSWORD.match(value)
        if match and len(match.group(1)) >= 3:
            values.add(match.group(1))
    return sorted(values, key=len, reverse=True)


def mask(text: str, secrets: list[str]) -> str:
    """Replace every known secret, JWT, bearer credential and URL password in ``text`` with ``***`` (the rules of
    the run's SecretRedactor listener)."""
    return redact(text, secrets)


# --------------------------------------------------------------------------------------------------
# reading the results


def short_message(message: str, limit: int = MESSAGE_CHARS) -> str:
    """First non-empty line of a Robot message, HTML stripped, cut to ``limit`` characters."""
    if message.startswith("*HTML*"):
        message = html.unescape(_HTML_TAG.sub(" ", message[len("*HTML*") :]))
    line = next((ln.strip() for ln in message.splitlines() if ln.strip()), "")
    line = re.sub(r"\s+", " ", line)
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def load_run(path: Path, secrets: list[str] | None = None) -> RunSummary:
    """Read ``path`` with ``robot.api.ExecutionResult`` into a :class:`RunSummary`.

    Raises NotifyError (one line) when the file is missing or is not a Robot output.
    """
    if not path.is_file():
        raise NotifyError(f"no output.xml at {path}: run the suites first (./run.sh ci) or pass --output PATH")
    try:
        from robot.api import ExecutionResult, ResultVisitor
    except ImportError as err:  # pragma: no cover - the venv always has robot
        raise NotifyError("robotframework is not importable: run through ./run.sh notify (it sets up .venv)") from err

    try:
        result = ExecutionResult(str(path))
    except Exception as err:  # robot raises DataError and friends
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise NotifyError(f"cannot read {path} as a Robot Framework output: {first}") from err

    secrets = secrets or []
    failures: list[Failure] = []
    flaky: list[Failure] = []

    class _Collector(ResultVisitor):
        def visit_test(self, test) -> None:  # type: ignore[no-untyped-def]
            entry = Failure(mask(test.full_name, secrets), mask(short_message(first_failure(test.message)), secrets))
            if test.failed:
                failures.append(entry)
            if FLAKY_TAG in test.tags:
                flaky.append(entry)

    result.visit(_Collector())
    stats = result.statistics.total
    errors = [mask(short_message(msg.message), secrets) for msg in result.errors.messages if msg.level == "ERROR"]
    return RunSummary(
        name=result.suite.name,
        total=stats.total,
        passed=stats.passed,
        failed=stats.failed,
        skipped=stats.skipped,
        duration=result.suite.elapsed_time,
        failures=failures,
        flaky=flaky,
        errors=errors,
    )


def first_failure(message: str) -> str:
    """run.sh's message of a flaky test ends with its first failure; any other message is returned as it is."""
    marker = "First failure: "
    return message.split(marker, 1)[1] if message.startswith("FLAKY") and marker in message else message


def missing_run(reason: str) -> RunSummary:
    """A run without results (the stack or the runner broke before output.xml was written)."""
    return RunSummary(name="", total=0, passed=0, failed=0, skipped=0, duration=None, missing_reason=reason)


# --------------------------------------------------------------------------------------------------
# where the run comes from


def _git(args: list[str]) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def ci_context(env: Mapping[str, str], output: Path, overrides: Mapping[str, str | None] | None = None) -> CiContext:
    """Branch, commit and run link from the ``GITHUB_*`` variables, with local fallbacks (git, report path)."""
    overrides = overrides or {}
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    repository = env.get("GITHUB_REPOSITORY", "")
    branch = overrides.get("branch") or env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME") or ""
    branch = branch or _git(["rev-parse", "--abbrev-ref", "HEAD"]) or "unknown"
    commit = overrides.get("commit") or env.get("GITHUB_SHA") or _git(["rev-parse", "HEAD"]) or "unknown"
    run_url = overrides.get("run_url") or ""
    if not run_url and repository and env.get("GITHUB_RUN_ID"):
        run_url = f"{server}/{repository}/actions/runs/{env['GITHUB_RUN_ID']}"
        if env.get("GITHUB_RUN_ATTEMPT", "1") not in ("", "1"):
            run_url += f"/attempts/{env['GITHUB_RUN_ATTEMPT']}"
    if not run_url:
        run_url = (output.resolve().parent / "report.html").as_uri()
    commit_url = f"{server}/{repository}/commit/{commit}" if repository and commit != "unknown" else ""
    return CiContext(
        branch=branch,
        commit=commit,
        run_url=run_url,
        repository=repository,
        commit_url=commit_url,
        image=env.get("WALLET_API_IMAGE", ""),
        workflow=env.get("GITHUB_WORKFLOW", ""),
    )


# --------------------------------------------------------------------------------------------------
# what to say


def decide(run: RunSummary, previous_failed: bool) -> str:
    """``failure``/``error`` when the run is red, ``recovery`` on the first green run after a red one, ``flaky``
    when green with flaky tests, else ``none``."""
    if run.status == "error":
        return "error"
    if run.status == "fail":
        return "failure"
    if previous_failed:
        return "recovery"
    return "flaky" if run.flaky else "none"


def send(url: str, payload: Mapping[str, object], timeout: float) -> None:
    """POST ``payload`` to the incoming webhook ``url``. Raises NotifyError without ever showing the URL."""
    if not url.startswith("https://"):
        raise NotifyError("SLACK_WEBHOOK_URL must be an https:// incoming-webhook URL (value not shown)")
    request = urllib.request.Request(  # noqa: S310 - https only, checked above
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
            body = response.read(200).decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        raise NotifyError(f"Slack answered HTTP {err.code}: {err.read(200).decode('utf-8', 'replace')}") from err
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise NotifyError(f"Slack could not be reached within {timeout:g}s: {type(reason).__name__}") from err
    if status != 200:
        raise NotifyError(f"Slack answered HTTP {status}: {body}")


def write_github_output(path: str, values: Mapping[str, object]) -> None:
    """Append ``name=value`` lines to the ``$GITHUB_OUTPUT`` file."""
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            handle.write(f"{name}={value}\n")


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"notify: {message} (see ./run.sh notify --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line (see the module docstring)."""
    parser = _OneLineParser(
        prog="./run.sh notify",
        description="Build the Slack message and the job summary from a Robot Framework output.xml.",
        epilog="Exit codes: 0 done or nothing to send; 2 bad usage or unreadable output.xml; 3 Slack failed.",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="output.xml (default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true", help="print the payload instead of sending it")
    parser.add_argument(
        "--previous-failed", action="store_true", help="the previous run failed: a green run posts a recovery"
    )
    parser.add_argument("--summary", metavar="FILE", help="append the Markdown summary to FILE ('-' = stdout)")
    parser.add_argument("--payload-file", type=Path, metavar="FILE", help="write the payload JSON here; send nothing")
    parser.add_argument(
        "--allow-missing", action="store_true", help="a missing output.xml is reported as a run without results"
    )
    parser.add_argument("--branch", help="branch to show (default: GITHUB_HEAD_REF/GITHUB_REF_NAME or git)")
    parser.add_argument("--commit", help="commit to show (default: GITHUB_SHA or git)")
    parser.add_argument("--run-url", help="link to the run (default: from GITHUB_* or the local report.html)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for Slack (default: 10)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Entry point; see the module docstring for the exit codes."""
    env = dict(os.environ if env is None else env)
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # argparse already printed one line of usage error
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    secrets = secret_values(env)
    try:
        run = load_run(args.output, secrets)
    except NotifyError as err:
        if not args.allow_missing:
            print(f"notify: {err}", file=sys.stderr)
            return EXIT_USAGE
        run = missing_run(str(err))

    ctx = ci_context(env, args.output, {"branch": args.branch, "commit": args.commit, "run_url": args.run_url})
    kind = decide(run, args.previous_failed)
    payload = build_payload(run, ctx, kind) if kind != "none" else None

    if args.summary:
        summary = build_summary(run, ctx)
        if args.summary == "-":
            sys.stdout.write(summary)
        else:
            with open(args.summary, "a", encoding="utf-8") as handle:
                handle.write(summary)
    if env.get("GITHUB_OUTPUT"):
        write_github_output(
            env["GITHUB_OUTPUT"],
            {
                "status": run.status,
                "kind": kind,
                "send": "true" if payload else "false",
                "total": run.total,
                "passed": run.passed,
                "failed": run.failed,
                "skipped": run.skipped,
                **({"flaky": len(run.flaky)} if run.flaky else {}),
            },
        )

    state = run.missing_reason or totals_line(run)
    if payload is None:
        print(f"notify: {state}; nothing would be sent (no failure, no flaky test, no failure before to recover from)")
        if args.payload_file:
            args.payload_file.write_text("{}\n", encoding="utf-8")
        return EXIT_OK
    if args.payload_file:
        args.payload_file.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"notify: {state}; {kind} payload written to {args.payload_file}")
        return EXIT_OK
    if args.dry_run:
        print(f"notify: {state}; dry run, this {kind} payload would be sent:")
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return EXIT_OK
    url = env.get("SLACK_WEBHOOK_URL", "")
    if not url:
        print(f"notify: {state}; SLACK_WEBHOOK_URL is not set, nothing sent (use --dry-run to see the payload)")
        return EXIT_OK
    try:
        send(url, payload, args.timeout)
    except NotifyError as err:
        print(f"notify: {mask(str(err), secrets)}", file=sys.stderr)
        return EXIT_SEND_FAILED
    print(f"notify: {state}; {kind} message sent to Slack")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
