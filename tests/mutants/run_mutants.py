"""Mutation testing of the suites: run them against mutated copies of the wallet stand-in.

`./run.sh mutants [--only ID ...] [--area AREA ...] [--jobs N] [options] [-- run.sh options / suite paths]`

1. Baseline: the UNMUTATED stand-in gets the same treatment as a mutant; every test must pass, otherwise
   the run stops (a red baseline makes every mutant look killed).
2. For each mutant (tests/mutants/mutants_catalog.py): copy services/wallet_api to a temp dir, apply its
   edits (a snippet that does not match exactly once stops the run), create its own PostgreSQL database and
   role and its own RabbitMQ vhost and user (all named `mut_<id>`), start the copy and a gateway mock on
   their own ports (18200-18299; WALLET_WEBHOOK_URL points at the copy), and run `./run.sh local` against
   them (stack skipped, pabot phase without `stress`/`destructive`, then the serial `destructive` phase),
   through a private symlinked checkout so that parallel runs never share pabot's `.pabotsuitenames`.
   Targeted phase first (default; off with --full or arguments after --): only the suites holding the
   tests tagged `rule:<the mutant's rule>` (`--suite` options); every suite only if the mutant survives them.
3. Failed tests are read from the run's output.xml (robot.api.ExecutionResult): any failure = KILLED,
   none = SURVIVED, no usable result (start failure, timeout, no tests) = ERROR (not counted).
4. Processes are stopped and the database, role, vhost and user dropped after every mutant, also on
   errors, timeouts and Ctrl-C.

Results: results/mutants/report.md (table, kill rate) and report.json; each run's files under
results/mutants/runs/<id>/ (wallet.log, mock.log; targeted/ and full/ with run.log and the robot results).
Exit status: 0 every mutant killed, 1 a mutant survived or errored, 2 bad input, 3 baseline not green,
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from mutants_catalog import AREAS, MUTANTS  # noqa: E402
from mutants_infra import (  # noqa: E402
    POLL_S,
    STOP,
    Infrastructure,
    Interrupted,
    RunnerError,
    load_settings,
    say,
    start,
    stop,
    wait_for,
)
from mutants_instance import (  # noqa: E402
    BASELINE,
    MAX_SLOTS,
    PORT_BASE,
    PORT_LAST,
    Instance,
    InstanceError,
    Options,
    Slots,
    instance,
    shadow_checkout,
)
from mutants_patch import ROOT, Mutant, PatchError, apply_edits, build_mutated_copy  # noqa: E402
from mutants_report import RESULTS, Outcome, judge, markdown, short_rate, write_report  # noqa: E402


def rule_targets(source: Path = ROOT / "suites") -> dict[str, list[str]]:
    """Map each rule id to the suites (long names) whose tests carry the tag `rule:<id>` (parsed, not run)."""
    from robot.api import TestSuiteBuilder

    targets: dict[str, set[str]] = {}
    suite = TestSuiteBuilder(included_extensions=("robot",)).build(str(source))
    for test in suite.all_tests:
        for tag in test.tags:
            if str(tag).lower().startswith("rule:"):
                targets.setdefault(str(tag)[5:].strip().lower(), set()).add(test.parent.full_name)
    return {rule: sorted(names) for rule, names in targets.items()}


def run_suites(inst: Instance, opts: Options, args: list[str], results: Path) -> tuple[int | None, Path]:
    """`./run.sh local ARGS` against the instance (stack skipped) in a private checkout; (exit code, output.xml)."""
    shadow = inst.work / "checkout"
    if not shadow.exists():
        shadow_checkout(shadow)
    env = inst.env | {
        "ROOT": str(shadow),
        "RUN_CWD": os.getcwd(),
        "RESULTS_DIR": str(results),
        "RUN_ID": f"m{secrets.token_hex(3)}",
    }
    # --fail-on-flaky: a test that fails once against a mutant kills it, as before reruns existed
    command = ["bash", str(shadow / "run.sh"), "local", "--fail-on-flaky", "--processes", str(opts.processes), *args]
    results.mkdir(parents=True, exist_ok=True)
    runner = start(command, shadow, env, results / "run.log")
    try:
        code = wait_for(runner, time.monotonic() + opts.timeout)
    finally:
        stop(runner)
    return code, results / "local" / "latest" / "output.xml"


def run_one(mutant: Mutant | None, slot: int, opts: Options) -> Outcome:
    """Start the (mutated) stand-in and a mock, run the suites against them, always clean up.

    A mutant first meets only the suites of its rule (targeted phase, when known); if it survives them it
    meets every suite (full phase). The verdict is the same as with the full phase alone, found sooner.
    """
    ident = mutant.id if mutant else BASELINE
    outcome = Outcome(ident, mutant.area if mutant else "-", mutant.rule if mutant else "-", "ERROR")
    out_dir = RESULTS / "runs" / ident
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    outcome.results_dir = str(out_dir.relative_to(ROOT))
    started = time.monotonic()
    targeted = opts.targets.get(mutant.rule, []) if mutant is not None and not opts.run_args else []
    try:
        with instance(mutant, slot, opts, out_dir) as inst:
            if targeted:
                outcome.phase = "targeted"
                args = [item for name in targeted for item in ("--suite", name)]
                code, output = run_suites(inst, opts, args, out_dir / "targeted")
                judge(outcome, mutant, code, output, out_dir / "targeted")
            # Full phase: no targeted phase, the mutant survived it, or it produced no result (not a timeout).
            if not targeted or outcome.result == "SURVIVED" or (outcome.result == "ERROR" and code is not None):
                outcome.phase = "full"
                code, output = run_suites(inst, opts, opts.run_args, out_dir / "full")
                judge(outcome, mutant, code, output, out_dir / "full")
    except InstanceError as exc:
        outcome.result, outcome.detail = "ERROR", str(exc)
    finally:
        outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


# ------------------------------------------------------------------------------------------------------- CLI


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    if "--" in argv:
        cut = argv.index("--")
        own, run_args = argv[:cut], argv[cut + 1 :]
    else:
        own, run_args = argv, []
    parser = argparse.ArgumentParser(
        prog="./run.sh mutants",
        description="Run the suites against mutated copies of the wallet stand-in and report killed/surviving "
        "mutants. Everything after `--` goes to `./run.sh local` (robot options, suite paths).",
    )
    parser.add_argument("--only", nargs="+", metavar="ID", default=[], help="run only these mutants")
    parser.add_argument("--area", nargs="+", metavar="AREA", default=[], help=f"only these areas: {', '.join(AREAS)}")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run in parallel (default 1)")
    parser.add_argument(
        "--processes", type=int, default=0, help="pabot processes per run (default: 2 x CPU cores / jobs, >= 2)"
    )
    parser.add_argument("--timeout", type=float, default=2400.0, help="seconds for one suite run (default 2400)")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run the unmutated baseline first")
    parser.add_argument(
        "--full",
        action="store_true",
        help="run every suite against every mutant (default: first only the suites of the mutant's rule, then "
        "every suite if it survives them)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the mutated copies (temp dirs) for inspection")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    return parser.parse_args(own), run_args


def select(args: argparse.Namespace) -> list[Mutant]:
    known = {m.id: m for m in MUTANTS}
    unknown = [i for i in args.only if i not in known]
    if unknown:
        raise RunnerError(f"unknown mutant id(s) {', '.join(unknown)}: see `./run.sh mutants --list`")
    bad_areas = [a for a in args.area if a not in AREAS]
    if bad_areas:
        raise RunnerError(f"unknown area(s) {', '.join(bad_areas)}: use {', '.join(AREAS)}")
    chosen = [m for m in MUTANTS if (not args.only or m.id in args.only) and (not args.area or m.area in args.area)]
    if not chosen:
        raise RunnerError("no mutant selected by --only/--area")
    return chosen


def check_patches(mutants: list[Mutant]) -> None:
    """Every selected mutant must apply to the current stand-in before anything starts."""
    with tempfile.TemporaryDirectory(prefix="mut_check-") as tmp:
        base = build_mutated_copy(None, Path(tmp) / "pristine")
        for mutant in mutants:
            target = Path(tmp) / mutant.id
            shutil.copytree(base, target)
            try:
                apply_edits(mutant, target)
            except PatchError as exc:
                raise RunnerError(str(exc)) from None


def main(argv: list[str]) -> int:
    args, run_args = parse_args(argv)
    try:
        if args.jobs < 1 or args.jobs > MAX_SLOTS:
            raise RunnerError(f"--jobs must be between 1 and {MAX_SLOTS} (ports {PORT_BASE}-{PORT_LAST})")
        if args.processes < 0:
            raise RunnerError("--processes must be a positive integer")
        mutants = select(args)
        if args.list:
            for m in mutants:
                print(f"{m.id:40} {m.area:22} {m.rule:42} {m.description}")
            return 0
        check_patches(mutants)
        settings = load_settings()
        infra = Infrastructure(settings)
        infra.check()
    except RunnerError as exc:
        print(f"mutants: {exc}", file=sys.stderr)
        return 2
    processes = args.processes or max(2, (2 * (os.cpu_count() or 1)) // args.jobs)
    opts = Options(settings, infra, run_args, processes, args.timeout, args.keep, sys.executable)
    if not args.full and not run_args:
        try:
            opts.targets = rule_targets()
        except Exception as exc:  # the targeted phase is an optimisation: without it every suite runs
            say(f"warning: no targeted phase (the suites could not be parsed: {exc})")

    def on_term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    slots = Slots(args.jobs)
    outcomes: dict[str, Outcome] = {}
    baseline: Outcome | None = None
    began = time.monotonic()
    pool: ThreadPoolExecutor | None = None
    report_lock = threading.Lock()
    try:
        if not args.skip_baseline:
            say("baseline: the suites against the unmutated stand-in ...")
            with slots.take() as slot:
                baseline = run_one(None, slot, opts)
            say(f"baseline: {baseline.result} ({baseline.passed}/{baseline.total} passed, {baseline.seconds:.0f} s)")
            if baseline.result != "PASSED":
                why = baseline.detail or "failed: " + "; ".join(baseline.failed_tests[:10])
                say(
                    f"STOP: the baseline is not green ({why}). Every mutant would look killed: fix the suites or "
                    f"the stand-in first (results: {baseline.results_dir})."
                )
                write_report([], baseline, run_args)
                return 3
        say(f"{len(mutants)} mutants, {args.jobs} at a time, {processes} pabot processes each")

        def job(mutant: Mutant) -> Outcome:
            if STOP.is_set():
                return Outcome(mutant.id, mutant.area, mutant.rule, "ERROR", detail="interrupted before start")
            with slots.take() as slot:
                say(f"{mutant.id}: running (ports {PORT_BASE + 2 * slot}/{PORT_BASE + 2 * slot + 1}) ...")
                try:
                    result = run_one(mutant, slot, opts)
                except Interrupted:
                    return Outcome(mutant.id, mutant.area, mutant.rule, "ERROR", detail="interrupted")
            killers = ", ".join(result.failed_tests[:2])
            say(f"{mutant.id}: {result.result} {killers or result.detail} ({result.seconds:.0f} s)")
            with report_lock:  # the report so far, in catalog order: a long run can be followed (and survives)
                outcomes[mutant.id] = result
                write_report([outcomes[m.id] for m in mutants if m.id in outcomes], baseline, run_args)
            return result

        pool = ThreadPoolExecutor(max_workers=args.jobs, thread_name_prefix="mutant")
        futures = {m.id: pool.submit(job, m) for m in mutants}
        for ident, future in futures.items():
            while True:
                try:
                    outcomes[ident] = future.result(timeout=POLL_S * 4)
                    break
                except TimeoutError:
                    continue
        pool.shutdown(wait=True)
    except (KeyboardInterrupt, Interrupted):
        STOP.set()
        say("interrupted: stopping the running mutants and cleaning up ...")
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        ordered = [outcomes[m.id] for m in mutants if m.id in outcomes]
        if ordered:
            write_report(ordered, baseline, run_args)
        return 130
    ordered = [outcomes[m.id] for m in mutants]
    report = write_report(ordered, baseline, run_args)
    print()
    print(markdown(ordered, baseline, run_args))
    killed, survived, errors, rate = short_rate(ordered)
    minutes = (time.monotonic() - began) / 60
    say(f"kill rate {rate}: {killed} killed, {survived} survived, {errors} errors in {minutes:.1f} min; {report}")
    false = sum(o.result == "FALSE FAILURE" for o in ordered)
    if false:
        say(f"{false} correct variant(s) failed: the suites assume what the contract does not promise")
    return 0 if survived == 0 and errors == 0 and false == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
