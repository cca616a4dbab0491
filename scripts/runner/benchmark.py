"""`./run.sh benchmark [--runs N] [--modes chunk,per-test,serial] [run options] [robot options] [paths]`
`./run.sh benchmark --staging [--rows N] [--runs N] [robot options] [paths]`: the staging run on a staging-like
history against the same on an empty database (runner/staging_bench.py; README "The staging benchmark").

The local run, stack start included: each run is `./run.sh local [--per-test|--serial] ...` against a private
stack (wallet stand-in and gateway mock on free ports, database, vhost and users `wallet_bench`) that the run
starts and stops itself, so the stack's start is measured and nobody else's stack or data is touched (the wallet
is the stand-in the run manages: its destructive tests run alongside the parallel phase on a second private
stack, `wallet_destructive`, as in `./run.sh local`).
Each run starts from an EMPTY database (its checks never see an old run's rows): `--staging` measures a full one.
Prints, per mode, the median wall time of N runs (default 3) and the median of every phase of the runs'
`timings:` lines; also written to results/benchmark/<UTC timestamp>/benchmark.md with each run's console log.
Modes: chunk (the default of ./run.sh), per-test (one robot process per test), serial (one process).
Exit status 1 when a run failed, 2 on bad input.
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import time
from datetime import UTC, datetime

from runner import ROOT
from runner.options import BadInput, parse_run, pop_value, positive
from runner.services import private_stack

MODES = ("chunk", "per-test", "serial")
NAME = "wallet_bench"


def split(args: list[str]) -> tuple[int, list[str], list[str]]:
    """(runs, modes, the arguments for run.sh). Raises BadInput."""
    runs, modes, rest = 3, list(MODES), []
    items = list(args)
    while items:
        item = items.pop(0)
        key, _, attached = item.partition("=")
        if key in ("--runs", "--modes"):
            value = pop_value(key, attached, items, " (see ./run.sh benchmark --help)")
            if key == "--runs":
                runs = positive("--runs", value)
            else:
                modes = [mode.strip() for mode in value.split(",") if mode.strip()]
                unknown = [mode for mode in modes if mode not in MODES]
                if unknown or not modes:
                    raise BadInput(f"--modes takes a comma-separated list of {', '.join(MODES)}, got '{value}'")
        elif item in ("--per-test", "--serial", "--chunk"):
            raise BadInput(f"{item} is a mode: use --modes {item[2:]}")
        else:
            rest.append(item)
    return runs, modes, rest


def check(args: list[str]) -> None:
    if "--staging" in args:
        from runner import staging_bench

        staging_bench.split(args)
        return
    _runs, _modes, rest = split(args)
    opts = parse_run(["local", *rest])
    if opts.stress:
        raise BadInput("the benchmark measures the functional run: --stress is not a benchmark option")


def phases_of(log: str) -> dict[str, float]:
    line = next((ln for ln in reversed(log.splitlines()) if ln.startswith("run.sh: timings: ")), "")
    return {name: float(value) for name, value in re.findall(r"([a-z][a-z ]*?) (\d+(?:\.\d+)?) s", line)}


def main(args: list[str]) -> int:
    if "--staging" in args:
        from runner import staging_bench

        return staging_bench.main(args)
    runs, modes, rest = split(args)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir = ROOT / "results" / "benchmark" / stamp
    workdir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("RUN_ID", "RESULTS_DIR")}
    env |= private_stack(NAME, workdir / "stack")
    walls: dict[str, list[float]] = {mode: [] for mode in modes}
    cpus: dict[str, list[float]] = {mode: [] for mode in modes}
    phases: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    outcome: dict[str, str] = {}
    status = 0
    for run in range(1, runs + 1):
        for mode in modes:  # interleaved, so that a busy moment of the machine does not hit one mode only
            option = [] if mode == "chunk" else [f"--{mode}"]
            log = workdir / f"{mode}-{run}.log"
            print(f"benchmark: {mode} run {run} of {runs} ...", flush=True)
            started, used = time.monotonic(), _children_cpu()
            with open(log, "w") as handle:
                code = subprocess.run(
                    [str(ROOT / "run.sh"), "local", *option, *rest],
                    env=env | {"RESULTS_DIR": str(workdir / f"{mode}-{run}")},
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    check=False,
                ).returncode
            walls[mode].append(time.monotonic() - started)
            cpus[mode].append(_children_cpu() - used)
            text = log.read_text()
            phases[mode].append(phases_of(text))
            totals = re.findall(r"^run\.sh: (\d+ tests, .*)$", text, re.MULTILINE)
            outcome[mode] = ("passed" if code == 0 else f"FAILED (exit {code}, {log.relative_to(ROOT)})") + (
                f"; {totals[-1]}" if totals else ""
            )
            status = status or (1 if code else 0)
    table = render(modes, runs, walls, cpus, phases, outcome)
    (workdir / "benchmark.md").write_text(table)
    print(table, end="")
    return status


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished children: run.sh and its robot processes (not the stack)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def render(modes, runs, walls, cpus, phases, outcome) -> str:
    names = list(dict.fromkeys(name for mode in modes for run in phases[mode] for name in run if name != "total"))

    def median(values: list[float]) -> str:
        return f"{statistics.median(values):.1f}" if values else "-"

    lines = [
        f"`./run.sh local` with the stack start, each run on an EMPTY database, median of {runs} run(s) per mode,"
        " seconds (`--staging`: on a staging-like history)",
        "",
        "| | " + " | ".join(modes) + " |",
        "|---|" + "---:|" * len(modes),
        "| **wall time (median)** | " + " | ".join(f"**{median(walls[m])}**" for m in modes) + " |",
        "| wall time (min-max) | " + " | ".join(f"{min(walls[m]):.1f}-{max(walls[m]):.1f}" for m in modes) + " |",
        "| CPU s of run.sh + robot (median) | " + " | ".join(median(cpus[m]) for m in modes) + " |",
    ]
    for name in names:
        cells = [median([run[name] for run in phases[mode] if name in run]) for mode in modes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", *(f"- {mode}: {outcome[mode]}" for mode in modes), ""]
    cores = len(os.sched_getaffinity(0))
    processes = os.environ.get("PABOT_PROCESSES") or f"4 x {cores} cores"
    load = " ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg") else "?"
    lines.append(f"{cores} cores, processes {processes}, load average now {load}, {datetime.now(UTC):%FT%TZ}")
    return "\n".join(lines) + "\n"
