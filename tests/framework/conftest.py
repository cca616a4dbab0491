"""Fixtures of the framework self-tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


@pytest.fixture
def trap_socket() -> Iterator[socket.socket]:
    """A socket listening on 127.0.0.1 that nothing may connect to (see `_helpers.connections`)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    yield server
    server.close()
