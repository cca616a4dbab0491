"""Plan the phases of a suite run for run_suites.sh (validates the robot options, counts each phase's tests).

`python scripts/robot_plan.py ENV STRESS [robot options...] [SOURCES...]` prints shell assignments:

    SOURCES=(...)        the data sources (default: suites)
    USER_OPTIONS=(...)   the robot options given by the user
    PARALLEL_TAGS=(...)  tag options of the parallel (pabot) phase;  PARALLEL_COUNT=N tests
    SERIAL_TAGS=(...)    tag options of the serial (robot) phase;    SERIAL_COUNT=N tests

Phases: without STRESS (0), the parallel phase runs everything but `stress` and `destructive`, the serial
phase the `destructive` tests (none on staging). With STRESS (1) only the serial phase runs, with the
`stress` tests (without `destructive` ones on staging). Tags are combined with the user's own
`--include`/`--exclude` by exclusion (`--exclude NOTdestructive`), so both apply (AND).

Bad options or sources: one line on stderr, exit 2.
"""

from __future__ import annotations

import os
import shlex
import sys

from robot.conf import RobotSettings
from robot.errors import DataError, Information
from robot.run import USAGE
from robot.running import TestSuiteBuilder
from robot.utils.argumentparser import ArgumentParser

DEFAULT_SOURCES = ["suites"]
# Options run.sh sets itself; the user cannot move the results elsewhere.
RESERVED = ("outputdir", "output", "log", "report", "xunit")
RESERVED_HELP = {
    "outputdir": "results go to results/<env>/<timestamp>/",
    "output": "results go to results/<env>/<timestamp>/output.xml",
    "log": "results go to results/<env>/<timestamp>/log.html",
    "report": "results go to results/<env>/<timestamp>/report.html",
    "xunit": "results go to results/<env>/<timestamp>/xunit.xml",
}


class PlanError(Exception):
    """Bad input; one line."""


def phase_tags(environment: str, stress: bool) -> tuple[list[str], list[str] | None]:
    """Tag options of the parallel and the serial phase (None: the phase does not run)."""
    if stress:
        serial = ["--exclude", "NOTstress"]
        if environment == "staging":
            serial += ["--exclude", "destructive"]
        return [], serial
    parallel = ["--exclude", "stress", "--exclude", "destructive"]
    serial = None if environment == "staging" else ["--exclude", "stress", "--exclude", "NOTdestructive"]
    return parallel, serial


def split_arguments(args: list[str]) -> tuple[list[str], list[str]]:
    """(the user's robot options, the data sources), validated by Robot Framework's own parser."""
    parser = ArgumentParser(USAGE, auto_argumentfile=False)
    try:
        options, sources = parser.parse_args(args)
    except Information:
        raise PlanError("robot's own --help/--version are not run.sh options: see ./run.sh --help") from None
    except DataError as error:
        raise PlanError(f"{error} (see ./run.sh --help)") from None
    for name in RESERVED:
        if options.get(name) not in (None, []):
            raise PlanError(f"--{name} is set by run.sh: {RESERVED_HELP[name]}")
    count = len(sources)
    user_options = args[: len(args) - count] if count else list(args)
    return user_options, [_absolute(source) for source in sources] or list(DEFAULT_SOURCES)


def _absolute(source: str) -> str:
    """A relative source is relative to where run.sh was called from (RUN_CWD), not the repository."""
    base = os.environ.get("RUN_CWD") or os.getcwd()
    path = os.path.join(base, source)
    return os.path.abspath(path) if os.path.exists(path) else source


def count_tests(user_options: list[str], tags: list[str], sources: list[str]) -> int:
    """How many tests robot would run with these options (0 when none match)."""
    parser = ArgumentParser(USAGE, auto_argumentfile=False)
    options, _ = parser.parse_args([*user_options, *tags, *sources])
    options = {name: value for name, value in options.items() if value not in (None, [])}
    options["runemptysuite"] = True
    settings = RobotSettings(options)
    builder = TestSuiteBuilder(
        included_extensions=settings.extension,
        included_files=settings.parse_include,
        custom_parsers=settings.parsers,
        rpa=settings.rpa,
        lang=settings.languages,
        allow_empty_suite=True,
    )
    suite = builder.build(*sources)
    suite.configure(**settings.suite_config)
    return suite.test_count


def shell_array(name: str, values: list[str]) -> str:
    """`NAME=(quoted values...)`."""
    return f"{name}=({' '.join(shlex.quote(value) for value in values)})"


def plan(environment: str, stress: bool, args: list[str]) -> list[str]:
    """The shell assignments of the plan."""
    user_options, sources = split_arguments(args)
    parallel, serial = phase_tags(environment, stress)
    try:
        parallel_count = count_tests(user_options, parallel, sources) if parallel else 0
        serial_count = count_tests(user_options, serial, sources) if serial is not None else 0
    except DataError as error:
        raise PlanError(str(error).splitlines()[0]) from None
    return [
        shell_array("SOURCES", sources),
        shell_array("USER_OPTIONS", user_options),
        shell_array("PARALLEL_TAGS", parallel),
        f"PARALLEL_COUNT={parallel_count}",
        shell_array("SERIAL_TAGS", serial or []),
        f"SERIAL_COUNT={serial_count}",
    ]


def main(argv: list[str]) -> int:
    """Entry point: `robot_plan.py ENV STRESS(0|1) ARGS...`."""
    if len(argv) < 2 or argv[1] not in ("0", "1"):
        print("usage: robot_plan.py ENV 0|1 [robot options...] [SOURCES...]", file=sys.stderr)
        return 2
    try:
        print("\n".join(plan(argv[0], argv[1] == "1", argv[2:])))
    except PlanError as error:
        print(f"run.sh: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
