"""How many requests/second can this machine's load generator drive? Locust (FastHttpUser) next to wrk.

Both hit the same endpoint (the Wallet API stand-in's `GET /health`, loopback only) one after the other
in the same run, for the same number of seconds and concurrent connections, and the script prints both
figures and their ratio (Locust / wrk). wrk (`apt-get install -y wrk`) is a C load generator close to
what the hardware allows: the ratio says how much of that the Python generator reaches, i.e. how many
Locust worker processes a target load needs. Both run on the machine that also serves the requests, so
the figures are a floor for the generator, not a capacity of the service.

    .venv/bin/python scripts/bench_load_generator.py [--url http://127.0.0.1:8080/health]
        [--seconds 10] [--connections 50] [--locust-processes 1] [--wrk-threads 2]

Exit 0 with the figures; 2 on bad input (one line); 1 when a generator fails or times out.
"""

from __future__ import annotations

import argparse
import csv
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_LOCUSTFILE = REPO_ROOT / "stress" / "bench_locustfile.py"
MARGIN_S = 60  # start-up and shut-down allowance on top of the measured seconds


class BenchError(RuntimeError):
    """A generator could not be run or measured (one line)."""


def loopback_url(url: str) -> str:
    """`url` when it is http(s) on a loopback host; ValueError otherwise (this benchmark never leaves the box)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"--url {url!r} is not an http(s) URL: use e.g. http://127.0.0.1:8080/health")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"--url host {host!r} is not loopback: the benchmark only targets 127.0.0.1/localhost")
    return url


def run_wrk(url: str, seconds: int, connections: int, threads: int) -> float:
    """Requests/second measured by wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed: apt-get install -y wrk")
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", url]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + MARGIN_S, check=False)
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk did not finish within {seconds + MARGIN_S} s") from None
    match = re.search(r"Requests/sec:\s*([\d.]+)", result.stdout)
    if result.returncode != 0 or not match:
        raise BenchError(f"wrk failed (exit {result.returncode}): {(result.stderr or result.stdout).strip()[-300:]}")
    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", result.stdout)
    if errors:
        print(f"warning: wrk saw {errors.group(1)} non-2xx answers", file=sys.stderr)
    return float(match.group(1))


def run_locust(url: str, seconds: int, users: int, processes: int) -> tuple[float, int]:
    """(requests/second, failed requests) measured by Locust FastHttpUser users calling `url` back to back."""
    parts = urlsplit(url)
    host = f"{parts.scheme}://{parts.netloc}"
    if parts.path.rstrip("/") != "/health":
        raise ValueError(f"--url must end in /health (the bench locustfile calls /health), got {parts.path!r}")
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as scratch:
        prefix = Path(scratch) / "bench"
        command = [
            sys.executable, "-m", "locust", "-f", str(BENCH_LOCUSTFILE), "--headless", "--only-summary",
            "--host", host, "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--stop-timeout", "2",
            "--csv", str(prefix), "--exit-code-on-error", "0", "--loglevel", "WARNING",
        ]  # fmt: skip
        if processes > 1:
            command += ["--processes", str(processes)]
        environ = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=seconds + MARGIN_S, check=False, env=environ
            )
        except subprocess.TimeoutExpired:
            raise BenchError(f"Locust did not finish within {seconds + MARGIN_S} s") from None
        stats = Path(f"{prefix}_stats.csv")
        if result.returncode != 0 or not stats.exists():
            raise BenchError(f"Locust failed (exit {result.returncode}): {result.stderr.strip()[-300:]}")
        with stats.open(newline="", encoding="utf-8") as handle:
            total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    return float(total["Requests/s"]), int(total["Failure Count"])


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run both generators, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_url = os.environ.get("WALLET_API_URL", "http://127.0.0.1:8080").rstrip("/") + "/health"
    parser.add_argument("--url", default=default_url, help=f"endpoint to hit, loopback only (default {default_url})")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per generator, 1-120 (default 10)")
    parser.add_argument("--connections", type=int, default=50, help="Locust users = wrk connections (default 50)")
    parser.add_argument("--locust-processes", type=int, default=1, help="Locust processes (default 1)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    options = parser.parse_args(argv)
    try:
        url = loopback_url(options.url)
        if not 1 <= options.seconds <= 120:
            raise ValueError(f"--seconds {options.seconds} must be between 1 and 120")
        if not 1 <= options.connections <= 1000:
            raise ValueError(f"--connections {options.connections} must be between 1 and 1000")
        if not 1 <= options.locust_processes <= 16 or not 1 <= options.wrk_threads <= 16:
            raise ValueError("--locust-processes and --wrk-threads must be between 1 and 16")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        wrk_rps = run_wrk(url, options.seconds, options.connections, options.wrk_threads)
        locust_rps, locust_failures = run_locust(url, options.seconds, options.connections, options.locust_processes)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"target        {url} ({os.cpu_count()} CPU cores, shared by generator and service)")
    print(
        f"locust        {locust_rps:10.1f} requests/s  (FastHttpUser, {options.connections} users, "
        f"{options.locust_processes} process(es), {options.seconds} s, {locust_failures} failed)"
    )
    print(
        f"wrk           {wrk_rps:10.1f} requests/s  ({options.wrk_threads} threads, {options.connections} connections)"
    )
    print(f"ratio         {locust_rps / wrk_rps if wrk_rps else 0:10.2f}  (locust / wrk)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
