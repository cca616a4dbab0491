"""Fixtures of the stack tests: settings, the running stack (brought up when needed), measurement records.

The `stack` fixture (used by the modules that need the running stack) brings it up with
`scripts/stack.sh up` only when a /health does not answer 200, and at the end takes down only the services
it had to start. Measurements are printed in the terminal summary (no `-s` needed), attached with
`record_property`, and written to results/stack-tests/measurements.json.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from stack_helpers import RUN_ID, GatewayMock, Settings, health_status

ROOT = Path(__file__).resolve().parents[2]
STACK_SCRIPT = ROOT / "scripts" / "stack.sh"
MEASUREMENTS_FILE = ROOT / "results" / "stack-tests" / "measurements.json"
SERVICE_URLS = {"wallet-api": "wallet_url", "payment-gateway-mock": "mock_url"}
_MEASUREMENTS: dict[str, dict[str, Any]] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker of the tests that disturb shared services (run them in the serial phase)."""
    config.addinivalue_line("markers", "destructive: disturbs shared services (serial phase only)")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The settings of the brief, from the environment with the local defaults."""
    return Settings.from_env()


def _stack(command: str, services: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(STACK_SCRIPT), command, *services],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
        check=False,
    )


@pytest.fixture(scope="session")
def stack(settings: Settings) -> Iterator[None]:
    """Make sure the wallet and the mock answer /health; start (and later stop) only what was not running."""
    wanted = os.environ.get("STACK_SERVICES", "").split() or list(SERVICE_URLS)
    down = [
        name
        for name, attr in SERVICE_URLS.items()
        if name in wanted and health_status(getattr(settings, attr), settings.http_timeout) != 200
    ]
    if down:
        result = _stack("up", down, timeout=settings.health_timeout + 120)
        if result.returncode != 0:
            pytest.fail(
                f"`scripts/stack.sh up {' '.join(down)}` failed:\n{result.stdout}{result.stderr}", pytrace=False
            )
    for name, attr in SERVICE_URLS.items():
        status = health_status(getattr(settings, attr), settings.http_timeout)
        if status != 200:
            pytest.fail(f"{name} at {getattr(settings, attr)}/health answers {status}, expected 200", pytrace=False)
    try:
        yield
    finally:
        if down:
            _stack("down", down, timeout=120)


@pytest.fixture(scope="session")
def mock(settings: Settings) -> GatewayMock:
    """The gateway mock's admin API."""
    return GatewayMock(settings)


@pytest.fixture
def record_measurement(
    request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
) -> Callable[[dict[str, Any]], None]:
    """Record a test's figures: printed in the terminal summary, in the JUnit XML and in measurements.json."""

    def record(figures: dict[str, Any]) -> None:
        _MEASUREMENTS[request.node.name] = {"run_id": RUN_ID, **figures}
        for name, value in figures.items():
            record_property(name, value)
        print(f"{request.node.name}: {json.dumps(figures)}")

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Show the measured figures and write them to results/stack-tests/measurements.json."""
    if not _MEASUREMENTS:
        return
    MEASUREMENTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    MEASUREMENTS_FILE.write_text(json.dumps(_MEASUREMENTS, indent=2) + "\n")
    terminalreporter.section("stack measurements")
    for test, figures in _MEASUREMENTS.items():
        terminalreporter.write_line(f"{test}: {json.dumps(figures)}")
    terminalreporter.write_line(f"written to {MEASUREMENTS_FILE.relative_to(ROOT)}")
