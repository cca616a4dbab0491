"""One canonical JSON encoding for every body the service emits, and strict JSON parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def dumps(value: Any) -> bytes:
    """Serialize canonically (sorted keys, no whitespace, ASCII only).

    A body stored as jsonb and serialized again yields the same bytes, which makes idempotent
    replays byte-for-byte identical to the first answer.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def canonical_text(value: Any) -> str:
    return dumps(value).decode("ascii")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def loads(raw: bytes | str) -> Any:
    """Parse standard JSON; NaN/Infinity and invalid UTF-8 raise ValueError."""
    return json.loads(raw, parse_constant=_reject_constant)


def rfc3339(moment: datetime | None) -> str | None:
    """Format a timestamp as RFC 3339 in UTC with microseconds, e.g. 2026-11-22T10:00:00.123456Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
