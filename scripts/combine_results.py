"""Combine the phase outputs of one run into one report (used by run_suites.sh; also fine for shards).

`python scripts/combine_results.py OUTDIR OUTPUT.xml [OUTPUT.xml...]` writes OUTDIR/output.xml,
report.html, log.html and xunit.xml. The outputs are merged into one suite tree (Robot's `--merge`,
without the "added from merged output" notes it would put in front of every test's message), so a
test keeps its place in the hierarchy whichever phase ran it. Prints the totals; exit status 0 when
no test failed, 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor
from robot.rebot import rebot

ADDED_PREFIXES = ("*HTML* Test added from merged output.", "*HTML* Suite added from merged output.")


class _Messages(ResultVisitor):
    """Records (or restores) the original messages of tests and suites, by full name."""

    def __init__(self, messages: dict[tuple[str, str], str] | None = None) -> None:
        self.messages: dict[tuple[str, str], str] = {} if messages is None else messages
        self.restore = messages is not None

    def _handle(self, kind: str, item: object) -> None:
        key = (kind, item.full_name)  # type: ignore[attr-defined]
        if not self.restore:
            self.messages[key] = item.message  # type: ignore[attr-defined]
        elif item.message.startswith(ADDED_PREFIXES) and key in self.messages:  # type: ignore[attr-defined]
            item.message = self.messages[key]  # type: ignore[attr-defined]

    def start_suite(self, suite: object) -> None:
        self._handle("suite", suite)

    def visit_test(self, test: object) -> None:
        self._handle("test", test)


def combine(outdir: Path, outputs: list[Path]) -> int:
    """Write the combined output and reports into `outdir`; return the number of failed tests."""
    recorder = _Messages()
    for output in outputs[1:]:
        ExecutionResult(str(output)).visit(recorder)
    result = ExecutionResult(*(str(output) for output in outputs), merge=len(outputs) > 1)
    result.visit(_Messages(recorder.messages))
    outdir.mkdir(parents=True, exist_ok=True)
    combined = outdir / "output.xml"
    result.save(str(combined))
    rebot(
        str(combined),
        outputdir=str(outdir),
        output="NONE",
        log="log.html",
        report="report.html",
        xunit="xunit.xml",
        stdout=io.StringIO(),
    )
    stats = result.statistics.total
    print(f"{stats.total} tests, {stats.passed} passed, {stats.failed} failed, {stats.skipped} skipped")
    return stats.failed


def main(argv: list[str]) -> int:
    """Entry point."""
    if len(argv) < 2:
        print("usage: combine_results.py OUTDIR OUTPUT.xml [OUTPUT.xml...]", file=sys.stderr)
        return 2
    outputs = [Path(arg) for arg in argv[1:]]
    missing = [str(output) for output in outputs if not output.is_file()]
    if missing:
        print(f"combine_results.py: no such output: {', '.join(missing)}", file=sys.stderr)
        return 2
    return 1 if combine(Path(argv[0]), outputs) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
