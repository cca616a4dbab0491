"""Entry point: ``python -m wallet_api`` (settings from the environment, see config.py)."""

from __future__ import annotations

import os
import sys

import uvicorn

from .app import create_app
from .config import ConfigError, load_settings
from .logs import setup_logging


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"wallet_api: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secrets())
    uvicorn.run(
        create_app(settings),
        host=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104 - a service listens on all interfaces
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
