"""The real process: `python -m payment_gateway_mock` over TCP, with a real HTTP webhook receiver."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from pgm_helpers import expected_signature

SERVICE_DIR = Path(__file__).resolve().parents[1]
PROCESS_SECRET = "process-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_module(env: dict[str, str], timeout: float = 20) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("GATEWAY_WEBHOOK_SECRET", "WALLET_WEBHOOK_URL", "PORT")}
    return subprocess.run(
        [sys.executable, "-m", "payment_gateway_mock"],
        cwd=SERVICE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "GATEWAY_WEBHOOK_SECRET is required"),
        ({"GATEWAY_WEBHOOK_SECRET": "s", "PORT": "abc"}, "PORT must be an integer"),
    ],
)
def test_bad_environment_exits_2_with_one_line(env: dict[str, str], message: str) -> None:
    result = run_module(env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("payment_gateway_mock: ")
    assert message in lines[0]
    assert result.stdout == ""


@dataclass
class Receiver:
    """A real HTTP server standing in for the wallet's webhook endpoint."""

    port: int
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, raw))
            ok = self.headers.get("X-Gateway-Signature") == expected_signature(raw, PROCESS_SECRET)
            answer = json.dumps({"signature_ok": ok}).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def mock_url(receiver: Receiver) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "GATEWAY_WEBHOOK_SECRET": PROCESS_SECRET,
        "WALLET_WEBHOOK_URL": f"http://127.0.0.1:{receiver.port}/v1/webhooks/payment-gateway",
        "GATEWAY_MOCK_TIMEOUT_TOKEN_DELAY_MS": "800",
        "GATEWAY_MOCK_ACCESS_LOG": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "payment_gateway_mock"],
        cwd=SERVICE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                raise AssertionError(f"mock exited early: {process.stderr.read() if process.stderr else ''}")
            try:
                if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("mock did not answer /health within 15 s")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_health_over_tcp(mock_url: str) -> None:
    response = httpx.get(f"{mock_url}/health", timeout=2)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_settle_sends_a_correctly_signed_webhook_on_the_wire(mock_url: str, receiver: Receiver) -> None:
    answer = httpx.post(f"{mock_url}/v1/charges", json={"payment_token": "tok_pending_wire"}, timeout=2).json()
    before = len(receiver.received)
    settle = httpx.post(
        f"{mock_url}/__admin/charges/{answer['id']}/settle", json={"status": "succeeded", "repeat": 2}, timeout=5
    )
    assert settle.status_code == 200
    assert settle.json() == {"deliveries": [{"status": 200, "body": {"signature_ok": True}}] * 2}
    path, headers, raw = receiver.received[before]
    assert path == "/v1/webhooks/payment-gateway"
    assert headers["content-type"] == "application/json"
    assert headers["x-gateway-signature"] == expected_signature(raw, PROCESS_SECRET)
    assert json.loads(raw) == {"charge_id": answer["id"], "status": "succeeded", "failure_code": None}


@pytest.mark.parametrize(("mode", "status"), [("invalid", 401), ("missing", 401)])
def test_bad_signatures_on_the_wire(mock_url: str, receiver: Receiver, mode: str, status: int) -> None:
    settle = httpx.post(
        f"{mock_url}/__admin/charges/ch_wire/settle", json={"status": "failed", "signature": mode}, timeout=5
    )
    assert settle.json()["deliveries"] == [{"status": status, "body": {"signature_ok": False}}]


def test_times_under_concurrent_threads(mock_url: str) -> None:
    httpx.post(
        f"{mock_url}/__admin/stubs", json={"payment_token": "tok_thr", "status": 503, "times": 7}, timeout=2
    ).raise_for_status()

    def one(_: int) -> int:
        return httpx.post(f"{mock_url}/v1/charges", json={"payment_token": "tok_thr"}, timeout=5).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = Counter(pool.map(one, range(48)))
    assert statuses == {503: 7, 201: 41}


def test_timeout_token_does_not_block_over_tcp(mock_url: str) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        slow = pool.submit(
            lambda: httpx.post(f"{mock_url}/v1/charges", json={"payment_token": "tok_timeout_tcp"}, timeout=5)
        )
        deadline = time.monotonic() + 2
        while not httpx.get(
            f"{mock_url}/__admin/requests", params={"payment_token": "tok_timeout_tcp"}, timeout=2
        ).json()["requests"]:
            assert time.monotonic() < deadline, "timeout charge never reached the mock"
            time.sleep(0.01)
        fast_started = time.monotonic()
        fast = httpx.post(f"{mock_url}/v1/charges", json={"payment_token": "tok_tcp_fast"}, timeout=2)
        assert fast.status_code == 201
        assert time.monotonic() - fast_started < 0.3
        assert not slow.done()
        assert slow.result().status_code == 201
        assert time.monotonic() - started >= 0.79
