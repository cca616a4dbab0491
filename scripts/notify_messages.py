"""The texts of scripts/notify.py: the Slack message (Block Kit payload) and the CI job summary (Markdown)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notify import CiContext, Failure, RunSummary

MAX_SLACK_FAILURES = 10  # failed (and flaky) tests listed in the Slack message
MAX_SUMMARY_FAILURES = 50  # failed tests listed in the job summary
SLACK_SECTION_CHARS = 2900  # Slack refuses a section text over 3000 characters


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_duration(duration: timedelta | None) -> str:
    """``1h 02m 03s`` / ``2m 03s`` / ``4.2s``; ``-`` when unknown."""
    if duration is None:
        return "-"
    seconds = duration.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def totals_line(run: RunSummary) -> str:
    """``9 tests: 6 passed, 2 failed, 1 skipped`` (`` (1 flaky: failed, then passed on its rerun)`` when some were)."""
    line = f"{run.total} tests: {run.passed} passed, {run.failed} failed, {run.skipped} skipped"
    return line + (f" ({len(run.flaky)} flaky: failed, then passed on its rerun)" if run.flaky else "")


def build_payload(run: RunSummary, ctx: CiContext, kind: str) -> dict[str, object]:
    """The Slack incoming-webhook payload (``text`` fallback + Block Kit ``blocks``)."""
    short_sha = ctx.commit[:8]
    commit = f"<{ctx.commit_url}|{short_sha}>" if ctx.commit_url else f"`{short_sha}`"
    where = f"{ctx.repository} " if ctx.repository else ""
    if kind == "recovery":
        headline = f":white_check_mark: Integration tests are green again on {where}{ctx.branch}"
    elif kind == "error":
        headline = f":boom: Integration tests produced no results on {where}{ctx.branch}"
    elif kind == "flaky":
        headline = f":warning: Integration tests passed on {where}{ctx.branch}, {len(run.flaky)} of them flaky"
    else:
        headline = f":x: Integration tests failed on {where}{ctx.branch}: {run.failed} of {run.total} failed"
    details = [
        f"*Branch:* {_slack_escape(ctx.branch)}",
        f"*Commit:* {commit}",
        f"*Run:* <{ctx.run_url}|open the run>",
    ]
    if ctx.image:
        details.append(f"*Wallet image:* `{_slack_escape(ctx.image)}`")
    if run.missing_reason:
        results = f"*Results:* {_slack_escape(run.missing_reason)}"
    else:
        results = f"*Results:* {totals_line(run)}"
    blocks: list[dict[str, object]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack_escape(headline)}*"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join([results, *details])}},
    ]
    for title, tests in (
        ("*Failed tests*", run.failures),
        ("*Flaky tests* (failed, then passed when rerun in a fresh process; first failure shown)", run.flaky),
    ):
        if tests:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack_list(title, tests)}})
    fallback = f"{headline} ({totals_line(run) if not run.missing_reason else run.missing_reason}) {ctx.run_url}"
    return {"text": fallback, "blocks": blocks}


def _slack_list(title: str, tests: list[Failure]) -> str:
    lines = []
    for failure in tests[:MAX_SLACK_FAILURES]:
        line = f"• `{_slack_escape(failure.name)}`"
        if failure.message:
            line += f" — {_slack_escape(failure.message)}"
        lines.append(line)
    if len(tests) > MAX_SLACK_FAILURES:
        lines.append(f"…and {len(tests) - MAX_SLACK_FAILURES} more (see the report)")
    text = title + "\n" + "\n".join(lines)
    return text if len(text) <= SLACK_SECTION_CHARS else text[: SLACK_SECTION_CHARS - 1] + "…"


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def build_summary(run: RunSummary, ctx: CiContext) -> str:
    """GitHub-flavoured Markdown for ``$GITHUB_STEP_SUMMARY``: a totals table and the failed tests."""
    if run.status == "error":
        return (
            "## :boom: Integration tests: no results\n\n"
            f"{_md_cell(run.missing_reason or '')}\n\n"
            f"Branch `{ctx.branch}`, commit `{ctx.commit[:8]}`. The uploaded `results` artifact may hold logs.\n"
        )
    icon, word = (":x:", f"{run.failed} failed") if run.failed else (":white_check_mark:", "all passed")
    if run.flaky and not run.failed:
        icon, word = ":warning:", f"all passed, {len(run.flaky)} flaky"
    lines = [
        f"## {icon} Integration tests: {word}",
        "",
        "| Total | Passed | Failed | Skipped | Duration |",
        "|---:|---:|---:|---:|---:|",
        f"| {run.total} | {run.passed} | {run.failed} | {run.skipped} | {format_duration(run.duration)} |",
        "",
        f"Branch `{_md_cell(ctx.branch)}`, commit `{ctx.commit[:8]}`"
        + (f", wallet image `{_md_cell(ctx.image)}`" if ctx.image else "")
        + ". The full report (`report.html`, `log.html`) is in the `results` artifact of this run.",
    ]
    if run.failures:
        lines += ["", "### Failed tests", "", "| Test | Message |", "|---|---|"]
        for failure in run.failures[:MAX_SUMMARY_FAILURES]:
            lines.append(f"| `{_md_cell(failure.name)}` | {_md_cell(failure.message)} |")
        if len(run.failures) > MAX_SUMMARY_FAILURES:
            lines.append(f"| …and {len(run.failures) - MAX_SUMMARY_FAILURES} more | see report.html |")
    if run.flaky:
        lines += ["", "### Flaky tests", "", "Failed, then passed when rerun in a fresh process"]
        lines[-1] += " (they fail the run with `--fail-on-flaky`)."
        lines += ["", "| Test | First failure |", "|---|---|"]
        lines += [f"| `{_md_cell(t.name)}` | {_md_cell(t.message)} |" for t in run.flaky[:MAX_SUMMARY_FAILURES]]
    if run.errors:
        lines += ["", f"### Execution errors ({len(run.errors)})", ""]
        lines += [f"- {_md_cell(error)}" for error in run.errors[:20]]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# sending
