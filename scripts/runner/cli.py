"""`./run.sh COMMAND ...`: the one entry point. Standard library only until the command needs the virtualenv.

Bad input and the production guard are answered here, by the system python3, within a fraction of a second and
before `.venv` is created or any request is sent; then `.venv` is brought up to date and the command re-executed
by its Python (runner.venv).
"""

from __future__ import annotations

import os
import sys

from runner import ROOT
from runner.names import apply_variables, check_environment
from runner.options import BadInput, parse_run
from runner.venv import VenvError, ensure_venv, in_venv, reexec, venv_python

HELP = """\
Usage:
  ./run.sh [ENV] [OPTIONS] [robot options...] [SUITE PATHS...]
                            run the suites (default ENV: local; default paths: suites/)
  ./run.sh stack up|down|status|logs [--env local|ci] [SERVICE...]
                            the local stack (wallet stand-in + gateway mock) with the settings of ENV
  ./run.sh stack reset [--yes] [--env local|ci]
                            empty the local stack's database (asks first; --yes without a terminal)
  ./run.sh test [pytest options]
                            the project's own checks (pytest, lint, dry run, the functional suites);
                            ends with "N passed, N failed"
  ./run.sh check [PATHS...]
                            robot --dryrun and robocop check of PATHS (default suites/ resources/) in seconds:
                            no stack, nothing runs; one line "file:line: message" per problem, exit 1 if any
  ./run.sh docs             keyword documentation (libdoc HTML) into results/docs/index.html
  ./run.sh notify [...]     Slack payload / job summary from a run's output.xml (--dry-run prints it)
  ./run.sh dashboard [...]  history page of past runs
  ./run.sh mutants [...]    run the suites against mutated stand-ins, print killed/surviving mutants
  ./run.sh coverage [...]   contract rule -> tests table generated from the suites' rule:<id> tags
  ./run.sh benchmark [--runs N] [--modes chunk,per-test,serial] [run options] [paths]
                            the local run (stack start included), median of N runs per mode, per phase
  ./run.sh benchmark --staging [--rows N] [--runs N] [paths]
                            ./run.sh staging on a staging-like history (N rows a table) vs an empty database
  ./run.sh shard run|merge|local ...
                            sharded runs for CI (also scripts/shard.sh; ./run.sh shard --help)
  ./run.sh COMMAND --help   help of one command

Environments (variables/<ENV>.py): local, ci, staging.
  local, ci  start the local stack when it is not healthy (not the services whose URL you set, e.g. only the
             gateway mock when WALLET_API_URL is set; STACK_SERVICES names them explicitly) and stop at the
             end what this run started.
  staging    starts nothing; every address and secret comes from the environment:
             WALLET_API_URL GATEWAY_MOCK_URL DATABASE_URL AMQP_URL JWT_SECRET GATEWAY_WEBHOOK_SECRET
  Anything else (production, prod, ...) is refused before a request is sent, and so is any *_URL whose
  host matches PRODUCTION_HOST_DENYLIST (comma-separated globs, default: *prod*,*production*,*prd*,
  live.*,*.live.*,*-live.*,*.live).

Options of a suite run (options and paths in any order):
  --processes N        robot processes at a time (default: PABOT_PROCESSES or 4 x CPU cores)
  --per-test           one robot process per test (the default, --chunk, deals the tests into N processes by
                       their measured time, whole suites where they fit)
  --serial             the parallel phase in one robot process, one test after another
  --rerun, --no-rerun  rerun the failed tests once in fresh processes (a test passing then is FLAKY), or not.
                       Default: off for local (a failure is reported once), once for ci and staging and
                       whenever CI=true (flaky tests are named); the console and the report say which applied
  --fail-on-flaky      a flaky test (failed, then passed when rerun) fails the run
  --stress             run only the stress tests (tag stress; excluded otherwise), serially, not rerun
  --profile NAME       stress profile (passed as -v STRESS_PROFILE:NAME; needs --stress)
  --workers N          Locust workers for the stress run (passed as -v STRESS_WORKERS:N; needs --stress)
  any robot option     passed to every robot process, e.g. --include smoke, --test "*Deposit*", --loglevel DEBUG
                       (not --outputdir, --output, --log, --report, --xunit, --timestampoutputs: run.sh sets them)
                       --dryrun: nothing runs (no stack, no rerun, no measured times, latest stays): DRY RUN
  -v NAME:value        a setting given with -v is that setting, exactly as NAME=value in the environment
                       (production guard, preflight, which stack services start); a -v name that is no setting
                       and no suite uses, or an environment variable that looks like a misspelt setting
                       (e.g. WALLET_API_URL with a typo), is refused with "did you mean ..."

How a run goes: robot lists the selected tests; the local stack is started if needed; every service the run
uses is checked (2 s: addresses, database and RabbitMQ logins, the RabbitMQ management API when destructive
tests run); pabot runs the parallel phase (the tests not tagged destructive or stress, dealt into N processes
by their measured time: its --ordering groups); the serial phase (destructive tests, one robot process, never
on staging) runs alongside it on a private stack of its own when the wallet is the stand-in this run manages
in process mode (no WALLET_API_URL, GATEWAY_MOCK_URL or WALLET_API_IMAGE of yours, no Docker), else after it.
With reruns on, a test that fails is rerun once in a fresh process: passing then, it is FLAKY (tag flaky in the
report, counted as passed unless --fail-on-flaky or the test is tagged strict). Each robot process has a time limit
derived from its tests' timeouts (pabot's --processtimeout); a process that dies or hangs is stopped, named,
and its tests are failed.
Results: results/<ENV>/<UTC timestamp>/ (report.html, log.html, output.xml, xunit.xml, console.log),
results/<ENV>/latest points at it. The console ends with "N tests, N passed, N failed, N flaky", robot's own
errors (ERROR file:line: ...) and every failed suite setup (SETUP FAILED suite: cause), and the command that
replays exactly the failed tests with the run's paths and options.
Exit status: 0 every test passed (flaky ones too, unless --fail-on-flaky or strict); 1 a test failed or a
process was lost; 2 bad input or a service that is not usable; 3 a secret leaked into the results; 130 interrupted.

Environment variables: every setting of variables/_settings.py (see README.md), RUN_ID (default: unique
per run), PABOT_PROCESSES, PRODUCTION_HOST_DENYLIST, RESULTS_DIR (default results/), STACK_SERVICES, VENV
(default .venv).
"""

STACK_HELP = """\
Usage: ./run.sh stack up|down|status|logs [--env local|ci] [wallet-api|payment-gateway-mock ...]
       ./run.sh stack reset [--yes] [--env local|ci]   empty the local stack's database (asks first)
The local stack with the settings of ENV (default local); see scripts/stack/README.md.
"""

# Commands that are a Python program of their own, run by the virtualenv's Python with the arguments as given.
PROGRAMS = {
    "notify": "scripts/notify.py",
    "dashboard": "scripts/dashboard.py",
    "mutants": "tests/mutants/run_mutants.py",
    "coverage": "scripts/coverage.py",
}
SETTINGS_FOR = {"stack", "test", "benchmark"}


def main(argv: list[str]) -> int:
    """Entry point: one-line errors (exit 2), the production guard, then the command."""
    try:
        return _dispatch(argv)
    except BadInput as error:
        print(f"run.sh: {error}", file=sys.stderr)
        return 2
    except VenvError as error:
        print(f"run.sh: {error}", file=sys.stderr)
        return 1


def guard(environment: str) -> dict[str, str]:
    """The production guard (libraries/guard.py) and the settings of `environment`. Raises BadInput."""
    import guard as production_guard

    from variables._settings import SettingsError, resolve

    check_environment()
    try:
        production_guard.check_environment_name(environment)
        settings = resolve(environment)
        production_guard.check_hosts(settings)
    except (production_guard.GuardError, SettingsError) as error:
        raise BadInput(str(error)) from None
    return settings


def in_the_venv(argv: list[str]) -> None:
    """Continue in the virtualenv's Python (created or updated first); returns only when already there."""
    if not in_venv():
        ensure_venv()
        reexec(argv)


def _dispatch(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    rest = argv[1:]
    if command in ("-h", "--help", "help"):
        print(HELP, end="")
        return 0
    if command in PROGRAMS:
        in_the_venv(argv)
        os.execv(str(venv_python()), [str(venv_python()), str(ROOT / PROGRAMS[command]), *rest])  # noqa: S606
    if command == "stack":
        return _stack(rest)
    if command in ("test", "docs", "benchmark", "shard", "check"):
        return _tool(command, rest, argv)
    return _suite_run(argv)


def _stack(rest: list[str]) -> int:
    if rest and rest[0] in ("-h", "--help"):
        print(STACK_HELP, end="")
        return 0
    environment, args = "local", []
    while rest:
        item = rest.pop(0)
        if item == "--env" or item.startswith("--env="):
            if item == "--env" and not rest:
                raise BadInput("--env needs a value: local or ci")
            environment = item.split("=", 1)[1] if "=" in item else rest.pop(0)
        else:
            args.append(item)
    if environment not in ("local", "ci"):
        raise BadInput(
            f"the local stack runs for --env local or ci only, not '{environment}' (nothing is started for staging)"
        )
    settings = guard(environment)
    if not args or args[0] not in ("up", "down", "status", "logs", "reset"):
        raise BadInput("usage: ./run.sh stack up|down|status|logs|reset [--env local|ci] [SERVICE...]")
    in_the_venv(["stack", *args, "--env", environment])
    os.environ.update({name: value for name, value in settings.items() if name not in os.environ})
    os.environ["PATH"] = f"{venv_python().parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.execvp("bash", ["bash", str(ROOT / "scripts" / "stack.sh"), *args])  # noqa: S606
    return 1  # not reached


def _tool(command: str, rest: list[str], argv: list[str]) -> int:
    if command == "test":
        from runner import selftest as module
    elif command == "docs":
        from runner import docs as module
    elif command == "benchmark":
        from runner import benchmark as module
    elif command == "check":
        from runner import check as module
    else:
        from runner import shard as module
    if any(arg in ("-h", "--help") for arg in rest[:1]):
        print(module.__doc__.strip())
        return 0
    module.check(rest)  # stdlib: bad input before the virtualenv
    in_the_venv(argv)
    return module.main(rest)


def _suite_run(argv: list[str]) -> int:
    opts = parse_run(argv)
    if opts.help:
        print(HELP, end="")
        return 0
    apply_variables(opts)  # -v SETTING:value is the setting, as SETTING=value would be
    settings = guard(opts.environment)
    if not in_venv() and not opts.dryrun:
        from runner.services import SERVICES, ServiceError, managed, reachable

        user_set = {name for name in settings if os.environ.get(name)}
        own = [] if opts.environment == "staging" else [SERVICES[s] for s in SERVICES if s not in managed(user_set)]
        addresses = ["WALLET_API_URL", "GATEWAY_MOCK_URL", "DATABASE_URL", "AMQP_URL"]
        try:  # the services this run will not start must answer now, before anything is installed or started
            for name in addresses if opts.environment == "staging" else own:
                reachable(name, settings[name])
        except ServiceError as error:
            raise BadInput(str(error)) from None
    in_the_venv(argv)
    from runner import suite_run

    return suite_run.main(opts)
