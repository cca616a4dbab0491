"""Fixtures for the gateway mock's own tests (run from /work/main: `.venv/bin/python -m pytest services/...`)."""

from __future__ import annotations

import dataclasses
import sys
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

SERVICE_DIR = Path(__file__).resolve().parents[1]
if str(SERVICE_DIR) not in sys.path:
    sys.path.insert(0, str(SERVICE_DIR))

from payment_gateway_mock import Settings, create_app  # noqa: E402
from pgm_helpers import SECRET, WEBHOOK_URL, WebhookRecorder  # noqa: E402

with warnings.catch_warnings():
    # starlette 1.10 prefers `httpx2` for its TestClient; the pinned httpx 0.28 works and is what the mock uses
    warnings.simplefilter("ignore", UserWarning)
    from starlette.testclient import TestClient


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        base = Settings(webhook_secret=SECRET, wallet_webhook_url=WEBHOOK_URL, timeout_token_delay_ms=500)
        return dataclasses.replace(base, **overrides)

    return factory


@pytest.fixture
def recorder() -> WebhookRecorder:
    return WebhookRecorder()


@pytest.fixture
def make_client(
    make_settings: Callable[..., Settings], recorder: WebhookRecorder
) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def factory(**overrides: Any) -> TestClient:
        app = create_app(make_settings(**overrides), webhook_transport=httpx.MockTransport(recorder))
        client = TestClient(app)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture
async def aclient(make_settings: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    """Async client on the ASGI app in the test's own event loop (real concurrency between requests)."""
    app = create_app(make_settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
        yield client
