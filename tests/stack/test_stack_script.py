"""`scripts/stack.sh` in process mode, on free ports and a private state dir (never the canonical stack).

Only the gateway mock is started here (it needs no database): up, status, up again (no-op), down, and the
failure paths (bad input, a port taken by someone else, a service that exits at start).
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from variables._settings import read

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "stack.sh"
SECRETS = (read("JWT_SECRET"), read("GATEWAY_WEBHOOK_SECRET"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Process mode, the mock alone on a free port, pid files and logs in a temporary directory."""
    values = os.environ.copy()
    values.update(
        {
            "STACK_MODE": "process",
            "STACK_SERVICES": "payment-gateway-mock",
            "STACK_STATE_DIR": str(tmp_path / "stack"),
            "WALLET_API_URL": f"http://127.0.0.1:{_free_port()}",
            "GATEWAY_MOCK_URL": f"http://127.0.0.1:{_free_port()}",
            "HEALTH_TIMEOUT": "20",
        }
    )
    yield values
    _run(values, "down")  # whatever a failing test left behind


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def _pid(env: dict[str, str]) -> int:
    return int((Path(env["STACK_STATE_DIR"]) / "payment-gateway-mock.pid").read_text().split()[0])


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_bad_input_is_one_line_and_exit_2(env: dict[str, str]) -> None:
    """Unknown command, unknown service, unknown mode: one line on stderr, exit 2."""
    for args, extra, expected in (
        (["bogus"], {}, "unknown stack command"),
        (["status"], {"STACK_SERVICES": "wallet-api nope"}, "unknown service 'nope'"),
        (["up"], {"STACK_MODE": "podman"}, "STACK_MODE must be"),
    ):
        result = _run({**env, **extra}, *args)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode == 2, f"{args} {extra}: expected exit 2, got {result.returncode}: {result.stderr}"
        assert len(errors) == 1 and expected in errors[0], f"{args} {extra}: expected one line with {expected!r}"


def test_status_exits_1_when_a_requested_service_is_not_healthy(env: dict[str, str]) -> None:
    """Nothing runs on the free ports: status says so and exits 1."""
    result = _run({**env, "STACK_SERVICES": "wallet-api payment-gateway-mock"}, "status")
    assert result.returncode == 1, f"expected exit 1, got {result.returncode}: {result.stdout}{result.stderr}"
    assert "wallet-api: not answering" in result.stdout, result.stdout
    assert "payment-gateway-mock: not answering" in result.stdout, result.stdout


def test_port_taken_by_another_process_is_one_clear_line(env: dict[str, str]) -> None:
    """Something else listens on the mock's port: up refuses with one line naming the port, starts nothing."""
    port = int(env["GATEWAY_MOCK_URL"].rsplit(":", 1)[1])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = _run(env, "up")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1, f"expected exit 1, got {result.returncode}: {result.stderr}"
    assert len(errors) == 1 and f"port {port} is already taken" in errors[0], result.stderr
    assert not (Path(env["STACK_STATE_DIR"]) / "payment-gateway-mock.pid").exists(), "a pid file was left behind"


def test_up_status_noop_down_leave_nothing_behind(env: dict[str, str]) -> None:
    """up -> healthy, status 0, up again is a no-op that says so, down stops our process and removes its pid file."""
    up = _run(env, "up")
    assert up.returncode == 0, f"up failed: {up.stdout}{up.stderr}"
    assert "stack up in" in up.stdout, up.stdout
    pid = _pid(env)
    assert _running(pid), f"pid {pid} from the pid file does not run"
    status = _run(env, "status")
    assert status.returncode == 0, f"status after up: expected exit 0, got {status.returncode}: {status.stdout}"
    again = _run(env, "up")
    assert again.returncode == 0 and "already up" in again.stdout, f"second up: {again.stdout}{again.stderr}"
    assert _pid(env) == pid, "a second up must not start another process"
    down = _run(env, "down")
    assert down.returncode == 0 and f"stopped (pid {pid})" in down.stdout, f"down: {down.stdout}{down.stderr}"
    assert not _running(pid), f"pid {pid} still runs after down"
    assert not (Path(env["STACK_STATE_DIR"]) / "payment-gateway-mock.pid").exists(), "pid file left after down"
    assert _run(env, "status").returncode == 1, "status after down must exit 1"
    output = "".join(r.stdout + r.stderr for r in (up, status, again, down))
    assert not any(secret in output for secret in SECRETS), "a secret appeared in the stack script's output"


def test_a_service_that_exits_at_start_fails_fast_with_its_log(env: dict[str, str]) -> None:
    """The mock refuses its settings: up fails at once with the log's last lines and leaves no pid file."""
    result = _run({**env, "WALLET_WEBHOOK_URL": "ftp://127.0.0.1/hook"}, "up")
    assert result.returncode == 1, f"expected exit 1, got {result.returncode}: {result.stdout}{result.stderr}"
    assert "payment-gateway-mock exited with code" in result.stderr, result.stderr
    assert "WALLET_WEBHOOK_URL" in result.stderr, f"the log tail should show the mock's own error: {result.stderr}"
    assert not (Path(env["STACK_STATE_DIR"]) / "payment-gateway-mock.pid").exists(), "a pid file was left behind"
