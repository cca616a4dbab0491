"""The command line of a suite run: run.sh's own options and Robot Framework's, split with the stdlib only.

Runs under the system python3 before the virtualenv exists, so that bad input is answered within 2 s on a
fresh clone. Robot Framework's options are known from the table below (the options of `robot --help` of the
pinned version, 7.5; tests/framework checks the table against it). Robot validates their values itself when
the run is planned.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class BadInput(Exception):
    """Bad input: one line saying what is wrong and how to fix it (exit status 2)."""


# Long option -> short option ('' when none); a trailing '=' means the option takes a value.
ROBOT_OPTIONS: dict[str, str] = {
    "rpa": "", "language=": "", "extension=": "F", "parseinclude=": "I", "name=": "N", "doc=": "D",
    "metadata=": "M", "settag=": "G", "test=": "t", "task=": "", "suite=": "s", "include=": "i",
    "exclude=": "e", "rerunfailed=": "R", "rerunfailedsuites=": "S", "runemptysuite": "", "skip=": "",
    "skiponfailure=": "", "variable=": "v", "variablefile=": "V", "outputdir=": "d", "output=": "o",
    "legacyoutput": "", "log=": "l", "report=": "r", "xunit=": "x", "debugfile=": "b",
    "timestampoutputs": "T", "splitlog": "", "logtitle=": "", "reporttitle=": "", "reportbackground=": "",
    "maxerrorlines=": "", "maxassignlength=": "", "loglevel=": "L", "suitestatlevel=": "",
    "tagstatinclude=": "", "tagstatexclude=": "", "tagstatcombine=": "", "tagdoc=": "", "tagstatlink=": "",
    "expandkeywords=": "", "removekeywords=": "", "flattenkeywords=": "", "statusrc": "", "dryrun": "",
    "exitonfailure": "X", "exitonerror": "", "skipteardownonexit": "", "randomize=": "", "listener=": "",
    "prerunmodifier=": "", "prerebotmodifier=": "", "parser=": "", "console=": "", "dotted": ".",
    "quiet": "", "consolewidth=": "W", "consolecolors=": "C", "consolelinks=": "", "consolemarkers=": "K",
    "pythonpath=": "P", "argumentfile=": "A",
}  # fmt: skip
TAKES_VALUE = {name.rstrip("="): name.endswith("=") for name in ROBOT_OPTIONS}
SHORT = {short: name.rstrip("=") for name, short in ROBOT_OPTIONS.items() if short}
# Robot negates a flag with a `no` prefix (--nostatusrc, --nodryrun).
LONG = {**TAKES_VALUE, **{f"no{name}": False for name, value in TAKES_VALUE.items() if not value}}
# Set by run.sh for every robot process; the user cannot move or rename the results.
RESERVED = {
    "outputdir": "results go to results/<env>/<timestamp>/",
    "output": "results go to results/<env>/<timestamp>/output.xml",
    "log": "results go to results/<env>/<timestamp>/log.html",
    "report": "results go to results/<env>/<timestamp>/report.html",
    "xunit": "results go to results/<env>/<timestamp>/xunit.xml",
    "timestampoutputs": "each run has its own results/<env>/<timestamp>/ folder",
}
MODES = {"--chunk": "chunk", "--per-test": "per-test", "--serial": "serial"}


@dataclass
class RunOptions:
    """A suite run: `./run.sh [ENV] [options] [robot options] [paths]`."""

    environment: str = "local"
    processes: int = 0  # 0: PABOT_PROCESSES or 4 x CPU cores
    mode: str = "chunk"
    stress: bool = False
    profile: str = ""
    workers: int = 0
    fail_on_flaky: bool = False
    reruns: bool | None = None  # --rerun / --no-rerun; None: the environment's default (runner.policy)
    dryrun: bool = False  # robot's --dryrun: nothing runs (no stack, no rerun, no `latest`, no durations)
    robot_args: list[str] = field(default_factory=list)  # the user's robot options, as given
    own_args: list[str] = field(default_factory=list)  # run.sh's own options, as given (for the replay command)
    variables: list[tuple[str, str]] = field(default_factory=list)  # (NAME, value) of every -v NAME:value
    sources: list[str] = field(default_factory=list)  # absolute paths
    help: bool = False
    name_given: bool = False  # the user set --name


def rerun_policy(opts: RunOptions, environ: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """(rerun the failed tests once?, the policy in words: on the console and in the report's metadata).

    A tester's local run reports a failure once (pytest's habit: the loop is edit, run); CI (CI=true) and the
    shared environments (ci, staging) rerun once, so that a test that fails and then passes is named FLAKY.
    """
    environ = os.environ if environ is None else environ
    if opts.dryrun or opts.stress:
        return False, "off (a dry run)" if opts.dryrun else "off (stress tests are not rerun)"
    if opts.reruns is not None:
        return opts.reruns, "once (--rerun)" if opts.reruns else "off (--no-rerun)"
    if environ.get("CI", "").lower() == "true" or opts.environment != "local":
        where = "CI=true" if environ.get("CI", "").lower() == "true" else f"environment {opts.environment}"
        return True, f"once ({where}: a test that fails, then passes, is named FLAKY; --no-rerun turns it off)"
    return False, "off (local: a failure is reported once; --rerun names flaky tests)"


def positive(option: str, text: str) -> int:
    """`text` as a positive integer, else BadInput naming `option`."""
    if not text.isdigit() or int(text) < 1:
        raise BadInput(f"{option} must be a positive integer, got '{text}'")
    return int(text)


def pop_value(key: str, attached: str, items: list[str], see: str = "") -> str:
    """The value of option `key`: `attached` (`--key=value`) or the next of `items` (taken off it)."""
    if not attached and not items:
        raise BadInput(f"{key} needs a value{see}")
    return attached or items.pop(0)


def robot_option(token: str) -> tuple[str, bool] | None:
    """(normalized long name, takes a value) of a robot option token; None when it is not one.

    Long options are case- and hyphen-insensitive and may be abbreviated while unambiguous, like robot's.
    """
    if token.startswith("--"):
        key = token[2:].split("=", 1)[0].lower().replace("-", "")
        if key in LONG:
            return key, LONG[key]
        matches = [name for name in LONG if name.startswith(key)] if key else []
        if len(matches) == 1:
            return matches[0], LONG[matches[0]]
        if len(matches) > 1:
            raise BadInput(f"option {token.split('=', 1)[0]} is ambiguous ({', '.join('--' + m for m in matches)})")
        return None
    if len(token) >= 2 and token[0] == "-" and token[1] in SHORT:
        name = SHORT[token[1]]
        return name, TAKES_VALUE[name]
    return None


def parse_run(argv: list[str], cwd: str | None = None) -> RunOptions:
    """Parse a suite run's command line. Raises BadInput (one line)."""
    opts = RunOptions(processes=0)
    args = list(argv)
    if args and not args[0].startswith("-"):
        opts.environment = args.pop(0)
    robot: list[str] = []
    sources: list[str] = []
    index = 0

    def value(option: str) -> str:
        nonlocal index
        if "=" in args[index] and args[index].startswith("--"):
            return args[index].split("=", 1)[1]
        if index + 1 >= len(args):
            raise BadInput(f"{option} needs a value (see ./run.sh --help)")
        index += 1
        return args[index]

    while index < len(args):
        token = args[index]
        own = token.split("=", 1)[0]
        first = index
        if token in ("-h", "--help"):
            opts.help = True
        elif token in MODES:
            opts.mode = MODES[token]
        elif token == "--stress":
            opts.stress = True
        elif token == "--fail-on-flaky":
            opts.fail_on_flaky = True
        elif token in ("--rerun", "--no-rerun"):
            opts.reruns = token == "--rerun"
        elif own == "--processes":
            opts.processes = positive("--processes", value("--processes"))
        elif own == "--workers":
            opts.workers = positive("--workers", value("--workers"))
        elif own == "--profile":
            opts.profile = value("--profile")
            if not opts.profile.replace("-", "").replace("_", "").isalnum():
                raise BadInput(f"--profile must be a profile name like smoke, got '{opts.profile}'")
        elif token == "--":
            sources += args[index + 1 :]
            break
        elif token.startswith("-") and token != "-":
            index = _robot_option(opts, args, index, robot)
            first = index + 1  # not one of run.sh's own
        else:
            sources.append(token)
            first = index + 1
        opts.own_args += args[first : index + 1]
        index += 1
    if not opts.stress and (opts.profile or opts.workers):
        raise BadInput("--profile and --workers belong to a stress run: add --stress")
    if not opts.processes:
        default = os.environ.get("PABOT_PROCESSES", "")
        opts.processes = positive("PABOT_PROCESSES", default) if default else 4 * (len(os.sched_getaffinity(0)) or 1)
    opts.robot_args = robot
    opts.sources = [absolute_source(source, cwd) for source in sources]
    return opts


def _robot_option(opts: RunOptions, args: list[str], index: int, robot: list[str]) -> int:
    """Take the robot option at args[index] (and its value) into `robot`; returns the index of its last token."""
    token = args[index]
    found = robot_option(token)
    if found is None:
        raise BadInput(
            f"option {token.split('=', 1)[0]} not recognized (see ./run.sh --help; robot options: robot --help)"
        )
    name, takes_value = found
    if name in ("help", "version"):
        raise BadInput("robot's own --help/--version are not run.sh options: see ./run.sh --help")
    if name in RESERVED:
        raise BadInput(f"--{name} is set by run.sh: {RESERVED[name]}")
    opts.name_given = opts.name_given or name == "name"
    opts.dryrun = name == "dryrun" or (opts.dryrun and name != "nodryrun")
    robot.append(token)
    long = token.startswith("--")
    attached = token.split("=", 1)[1] if long and "=" in token else token[2:] if not long else ""
    if takes_value and not attached:
        if index + 1 >= len(args):
            raise BadInput(f"{token} needs a value (see ./run.sh --help)")
        index += 1
        robot.append(args[index])
    if name == "variable":
        variable, _, text = (attached or robot[-1]).partition(":")
        opts.variables.append((variable, text))
    return index


def without(args: list[str], names: set[str]) -> list[str]:
    """The robot options `args` without the options `names` (and their values)."""
    kept, skip = [], False
    for index, token in enumerate(args):
        if skip:
            skip = False
            continue
        found = robot_option(token) if token.startswith("-") else None
        if found and found[0] in names:
            attached = "=" in token or (not token.startswith("--") and len(token) > 2)
            skip = found[1] and not attached and index + 1 < len(args)
            continue
        kept.append(token)
    return kept


def absolute_source(source: str, cwd: str | None = None) -> str:
    """A suite path relative to where run.sh was called from (RUN_CWD, else the current directory)."""
    base = Path(cwd or os.environ.get("RUN_CWD") or os.getcwd())
    path = (base / source).resolve()
    if not path.exists():
        raise BadInput(f"no such suite file or folder: {source} (paths are relative to {base})")
    return str(path)
