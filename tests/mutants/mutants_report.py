"""The verdicts of a mutant run: one Outcome per mutant (or the baseline) read from its robot output, and the
report (results/mutants/report.md and report.json)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mutants_infra import say, tail
from mutants_patch import ROOT, Mutant

RESULTS = ROOT / "results" / "mutants"


@dataclass
class Outcome:
    """What happened to one mutant (or the baseline)."""

    id: str
    area: str
    rule: str
    result: str  # KILLED, SURVIVED, ERROR, PASSED/FAILED (baseline)
    failed_tests: list[str] = field(default_factory=list)
    total: int = 0
    passed: int = 0
    detail: str = ""
    seconds: float = 0.0
    results_dir: str = ""
    phase: str = ""  # targeted (the suites of the mutant's rule) or full (every suite)


def read_output(output: Path) -> tuple[int, int, list[str]]:
    """(tests, passed, long names of the failed tests) of a Robot output.xml."""
    from robot.api import ExecutionResult, ResultVisitor

    class Collector(ResultVisitor):
        def __init__(self) -> None:
            self.total = 0
            self.passed = 0
            self.failed: list[str] = []

        def visit_test(self, test) -> None:
            self.total += 1
            if test.status == "PASS":
                self.passed += 1
            elif test.status == "FAIL":
                # Drop the top-level suite ("Suites"): "Validation.Amounts Are Integers" reads better.
                self.failed.append(test.longname.split(".", 1)[-1])

    collector = Collector()
    ExecutionResult(str(output)).visit(collector)
    return collector.total, collector.passed, collector.failed


def judge(outcome: Outcome, mutant: Mutant | None, code: int | None, output: Path, results: Path) -> None:
    """Fill `outcome` from one suite run (verdict, tests, failed tests, problems)."""
    shown = results.relative_to(ROOT) if results.is_relative_to(ROOT) else results
    outcome.result, outcome.failed_tests, outcome.total, outcome.passed = "ERROR", [], 0, 0
    if code is None:
        outcome.detail = f"the {outcome.phase} suite run did not finish within --timeout (stopped)"
        return
    if not output.is_file():
        outcome.detail = f"run.sh exited {code} without output.xml (see {shown}/run.log)"
        say(f"{outcome.id}: {outcome.detail}\n{tail(results / 'run.log')}")
        return
    outcome.total, outcome.passed, outcome.failed_tests = read_output(output)
    outcome.detail = "run.sh's secret scan found a secret in the results" if code == 3 else ""
    if outcome.total == 0:
        outcome.result, outcome.detail = "ERROR", "no test ran"
    elif mutant is None:
        clean = not outcome.failed_tests and outcome.passed == outcome.total
        outcome.result = "PASSED" if clean else "FAILED"
    elif mutant.expect == "pass":  # a correct variant: any failure is a false failure of the suites
        outcome.result = "FALSE FAILURE" if outcome.failed_tests else "PASSED"
    else:
        outcome.result = "KILLED" if outcome.failed_tests else "SURVIVED"


def short_rate(outcomes: list[Outcome]) -> tuple[int, int, int, str]:
    killed = sum(o.result == "KILLED" for o in outcomes)
    survived = sum(o.result == "SURVIVED" for o in outcomes)
    errors = sum(o.result == "ERROR" for o in outcomes)
    counted = killed + survived
    rate = f"{100.0 * killed / counted:.1f}%" if counted else "n/a"
    return killed, survived, errors, rate


def markdown(outcomes: list[Outcome], baseline: Outcome | None, run_args: list[str]) -> str:
    killed, survived, errors, rate = short_rate(outcomes)
    lines = ["# Mutation testing of the suites", ""]
    if baseline is not None:
        lines.append(
            f"Baseline (unmutated stand-in): {baseline.result}, {baseline.passed}/{baseline.total} tests passed "
            f"in {baseline.seconds:.0f} s."
        )
    if run_args:
        lines.append(f"run.sh arguments: `{' '.join(run_args)}`")
    lines += [
        "",
        f"**Kill rate: {killed}/{killed + survived} = {rate}** ({survived} survived, {errors} errors not counted)",
        "",
        "| # | mutant | area | rule | result | killed by (first tests) | time |",
        "|---|---|---|---|---|---|---|",
    ]
    for number, o in enumerate(outcomes, start=1):
        if o.result == "KILLED":
            more = len(o.failed_tests) - 3
            shown = ", ".join(o.failed_tests[:3]) + (f" (+{more})" if more > 0 else "")
        elif o.result == "ERROR":
            shown = o.detail
        else:
            shown = f"- ({o.total} tests passed)" if o.result == "SURVIVED" else ""
        shown = shown.replace("|", "\\|")
        verdict = f"{o.result} ({o.phase})" if o.result == "KILLED" and o.phase else o.result
        lines.append(f"| {number} | `{o.id}` | {o.area} | `{o.rule}` | {verdict} | {shown} | {o.seconds:.0f} s |")
    lines += [
        "",
        "KILLED (targeted): killed by the suites holding the tests tagged with the mutant's rule; otherwise every "
        "functional suite ran. Per-run results: `results/mutants/runs/<mutant>/{targeted,full}/local/latest/` "
        "(report.html, log.html), with wallet.log and mock.log beside them.",
    ]
    return "\n".join(lines) + "\n"


def write_report(outcomes: list[Outcome], baseline: Outcome | None, run_args: list[str]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = RESULTS / "report.md"
    report.write_text(markdown(outcomes, baseline, run_args), encoding="utf-8")
    killed, survived, errors, rate = short_rate(outcomes)
    summary = {
        "baseline": asdict(baseline) if baseline else None,
        "killed": killed,
        "survived": survived,
        "errors": errors,
        "kill_rate": rate,
        "mutants": [asdict(o) for o in outcomes],
    }
    (RESULTS / "report.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return report
