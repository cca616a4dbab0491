"""Helpers of the framework self-tests: run run.sh and friends in a clean environment, a trap socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "libraries"))

from variables._settings import SETTING_NAMES  # noqa: E402

# Variables of the outer run (selftest exports the local settings) that must not leak into a test's run.sh.
OUTER_VARIABLES = (
    *SETTING_NAMES,
    *("ENVIRONMENT", "RUN_ID", "PRODUCTION_HOST_DENYLIST", "PABOT_PROCESSES", "CI", "STACK_SERVICES", "RESULTS_DIR"),
)


@dataclass
class Completed:
    """The outcome of one command."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without any setting of the outer run, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if name not in OUTER_VARIABLES}
    env.update(extra or {})
    return env


def throwaway_env(results: Path, answering_url: str) -> dict[str, str]:
    """The environment of `run.sh local` on throwaway suites: both services at a URL that answers, results in
    `results`, 2 processes."""
    return {
        "WALLET_API_URL": answering_url,
        "GATEWAY_MOCK_URL": answering_url,
        "RESULTS_DIR": str(results),
        "PABOT_PROCESSES": "2",
    }


def run(args: list[str], env: Mapping[str, str] | None = None, timeout: float = 120, cwd: Path = ROOT) -> Completed:
    """Run a command in a clean environment (plus `env`), without stdin."""
    started = time.monotonic()
    process = subprocess.run(
        args,
        cwd=cwd,
        env=clean_environment(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Completed(process.returncode, process.stdout, process.stderr, time.monotonic() - started)


def connections(server: socket.socket) -> int:
    """How many connections reached `server` (accepted and closed here)."""
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def urls_to(server: socket.socket) -> dict[str, str]:
    """Every *_URL setting pointed at `server`."""
    port = server.getsockname()[1]
    http = f"http://127.0.0.1:{port}"
    return {
        "WALLET_API_URL": http,
        "GATEWAY_MOCK_URL": http,
        "GATEWAY_URL": http,
        "WALLET_WEBHOOK_URL": http + "/v1/webhooks/payment-gateway",
        "RABBITMQ_MANAGEMENT_URL": http,
        "DATABASE_URL": f"postgresql://tester:pw-sekret@127.0.0.1:{port}/db",
        "WALLET_DATABASE_URL": f"postgresql://wallet:pw-sekret@127.0.0.1:{port}/db",
        "AMQP_URL": f"amqp://tester:pw-sekret@127.0.0.1:{port}/vh",
        "WALLET_AMQP_URL": f"amqp://wallet:pw-sekret@127.0.0.1:{port}/vh",
    }


STAGING_SECRETS = {"JWT_SECRET": "staging-jwt-secret-xyz", "GATEWAY_WEBHOOK_SECRET": "staging-webhook-secret-xyz"}
