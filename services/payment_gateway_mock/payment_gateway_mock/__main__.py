"""Entry point: `python -m payment_gateway_mock` (settings from the environment, see README.md)."""

from __future__ import annotations

import os
import sys

import uvicorn

from payment_gateway_mock.app import create_app
from payment_gateway_mock.config import ConfigError, Settings


def main() -> int:
    """Validate the environment, then serve until interrupted. Exit 2 with one clear line on bad settings."""
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"payment_gateway_mock: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=settings.access_log,
        log_level="info",
        timeout_graceful_shutdown=2,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
