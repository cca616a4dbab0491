"""JSON-lines logging with redaction of configured secrets."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

_SECRETS: list[str] = []

REQUEST_LOGGER = logging.getLogger("wallet_api.request")


def redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


class JsonFormatter(logging.Formatter):
    """Render each record as one JSON object; extra fields come from ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["exc"] = redact("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(entry, default=str)


def setup_logging(level: str, secrets: list[str]) -> None:
    _SECRETS[:] = sorted(set(secrets), key=len, reverse=True)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter (connection retries are already logged by us, once, with context).
    quiet = level != "DEBUG"
    for name in ("aio_pika", "aiormq"):  # their reconnect tracebacks duplicate our own one-line warnings
        logging.getLogger(name).setLevel(logging.ERROR if quiet else logging.INFO)
    for name in ("psycopg.pool", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.INFO)
    logging.getLogger("uvicorn.access").disabled = True


def log_fields(logger: logging.Logger, level: int, msg: str, **fields: Any) -> None:
    logger.log(level, msg, extra={"fields": fields})
