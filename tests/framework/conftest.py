"""Fixtures of the framework self-tests."""

from __future__ import annotations

import http.server
import socket
import threading
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


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def answering_url() -> Iterator[str]:
    """http://127.0.0.1:PORT of a server answering 200 to anything: a wallet/mock address the preflight accepts
    for throwaway suites that call nothing (run.sh then starts no stack: the URLs are set)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
