"""The end of a suite run: one report, the summary on the console, the exit status.

- The report's metadata says how the run went: its phases' times, the rerun policy, a dry run.
- The console ends with the counts, the seeds, the flaky and failed tests, and the cause of a red run as robot
  found it: its own errors first (`ERROR  file:line: message`: a resource or library that did not import, a
  syntax error), then every suite setup that failed (`SETUP FAILED  suite: the failing keyword's message`);
  the tests such a setup failed are counted in one line, not listed.
- The replay command runs exactly the failed tests, with the run's paths and options: robot's --rerunfailed
  of this run's output.xml, without the run's own --test/--task (robot would add their tests).
- `results/<env>/latest` moves and the measured test times are kept, except for a dry run.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from runner import ROOT, outbox_check, plan, results, shown
from runner.check import located
from runner.options import RunOptions, rerun_policy, without

ADDING_TESTS = {"test", "task", "rerunfailed", "rerunfailedsuites"}  # robot would add their tests to the replay
SHOWN = 30  # failed tests listed by name


def innermost_failure(item) -> str:
    """The message of the deepest failed keyword below a result fixture (its own when none)."""
    for child in getattr(item, "body", ()):
        if getattr(child, "failed", False) and getattr(child, "message", ""):
            return innermost_failure(child)
    return item.message


def failed_setups(suite) -> list[tuple[str, str]]:
    """(suite full name, cause) of every suite whose setup failed, the root first."""
    found = []
    if suite.setup and suite.setup.failed:
        found.append((suite.full_name, results.first_line(innermost_failure(suite.setup), 300)))
    for child in suite.suites:
        found += failed_setups(child)
    return found


def replay(opts: RunOptions, output: Path) -> str:
    """The command that runs exactly this run's failed tests, with its paths and options (a secret given with -v
    shown as ***, like everywhere on the console)."""
    from SecretRedactor import redact, secret_values, settings_from_environment  # libraries/, stdlib only

    runner = shown(ROOT / "run.sh")
    runner = runner if runner.startswith("/") else "./" + runner
    words = [runner, opts.environment, *opts.own_args, *without(opts.robot_args, ADDING_TESTS)]
    command = shlex.join([*words, "--rerunfailed", shown(output), *(shown(source) for source in opts.sources)])
    return redact(command, secret_values(settings_from_environment()))


def report(opts: RunOptions, root: str, planned, run, out: Path, console, timer) -> int:
    """Merge, write and summarize the run; returns its exit status."""
    outcome = results.combine(planned, run.first, run.reruns, opts.fail_on_flaky, root, run.reader)
    outbox_check.apply(outcome, out, console.say)  # pabot's processes' outbox expectations, answered once
    metadata = outcome.result.suite.metadata
    metadata["Run phases"] = timer.line()
    metadata["Reruns"] = rerun_policy(opts)[1]
    if opts.dryrun:
        metadata["Dry run"] = "yes: robot --dryrun checked every keyword; no test ran"
    results.write(outcome.result, out)
    durations, chosen = plan.durations_file()
    ours = all(Path(source).resolve().is_relative_to(ROOT / "suites") for source in opts.sources or [ROOT / "suites"])
    if not opts.dryrun and (chosen or ours):  # the project's suites only, not throwaway ones
        plan.save_durations(durations, outcome.elapsed)
    if not opts.dryrun:
        (out.parent / "latest").unlink(missing_ok=True)
        (out.parent / "latest").symlink_to(out.name)
    timer.mark("report")
    status = _console(opts, outcome, out, console.say)
    from SecretRedactor import scan  # libraries/, stdlib only

    leaks = scan([out])
    for leak in leaks:
        console.say(f"SECRET LEAK: {leak}")
    if leaks:
        console.say(f"FAILED: secrets found in {out} (files listed above); do not share these results")
        status = 3
    timer.mark("scan")
    if status == 0 and not outcome.flaky:
        shutil.rmtree(out / ".parts", ignore_errors=True)  # the per-process files stay when something went wrong
    console.say(f"timings: {timer.line()}")
    latest = "" if opts.dryrun else f" (also {shown(out.parent)}/latest/report.html)"
    console.say(f"report: {shown(out)}/report.html{latest}")
    verdict = "PASSED" if status == 0 else f"FAILED (exit {status})"
    console.say(f"DRY RUN {verdict}" if opts.dryrun else verdict)
    return status


def _console(opts: RunOptions, outcome: results.Outcome, out: Path, say) -> int:
    """The summary lines; returns 1 when the run failed, else 0."""
    say(outcome.line)
    for seed in results.seeds(outcome.result):
        say(seed)
    for name, message in outcome.flaky:
        say(f"FLAKY  {name} (first failure: {message})")
    ran = [(name, message) for name, message in outcome.failed if not any(w in message for w in results.NOT_RUN)]
    for name, message in ran[:SHOWN]:
        say(f"FAILED {name}: {message}")
    if len(ran) > SHOWN:
        say(f"... and {len(ran) - SHOWN} more failed tests (see the report)")
    if len(ran) < len(outcome.failed):
        unrun = len(outcome.failed) - len(ran)
        say(f"FAILED {unrun} tests robot did not run: their suite setup failed (below) or a fatal error stopped it")
    for description in outcome.lost:
        say(f"LOST   {description}")
    for error in outcome.errors[:10]:
        say(f"ERROR  {results.first_line(located(error), 400)}")
    for suite, cause in failed_setups(outcome.result.suite)[:10]:
        say(f"SETUP FAILED  {suite}: {cause}")
    if outcome.mismatch:
        say(f"FAILED: {outcome.mismatch}")
    if outcome.failed or outcome.lost or outcome.mismatch or (outcome.flaky and opts.fail_on_flaky):
        say(f"replay the failures: {replay(opts, out / 'output.xml')}")
        return 1
    return 0
