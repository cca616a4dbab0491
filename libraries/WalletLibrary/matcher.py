"""The one way values are compared: HTTP bodies, database rows and event data alike.

A value given in Robot data stands for a JSON value (`expected_value`): non-string values are used as they
are (`${500}`, `${10.0}`, `${None}`); a string that is a JSON number, `true`, `false` or `null` becomes that
value (`500`, `10.0`, `null`); a string in JSON quotes is the string inside (`"500"`); any other string
stays a string (`EUR`, a UUID). Comparison is strict about types: `500` never equals `500.0`, `"500"` or
`true`, so a field sent back as a string or a float is a mismatch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

MISSING = "<missing>"


def expected_value(value: Any) -> Any:
    """The JSON value a value given in Robot data stands for (see the module docstring)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text in ("true", "false", "null") or (text[:1] in "-0123456789" and text[:1] != ""):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return value
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return value
    return value


def same(actual: Any, expected: Any) -> bool:
    """True when `actual` (a JSON or database value) equals the value `expected` stands for."""
    if isinstance(expected, str) and isinstance(actual, str) and not expected.startswith('"'):
        return actual == expected
    expected = expected_value(expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return actual == expected and isinstance(actual, float) == isinstance(expected, float)
    return actual == expected


def mismatches(actual: Any, expected: Mapping[str, Any], prefix: str = "") -> list[str]:
    """`field: expected X, got Y` for every field of `expected` that `actual` (a mapping) does not match."""
    if not isinstance(actual, Mapping):
        return [f"{prefix or 'value'}: expected a JSON object, got {actual!r}"]
    return [
        f"{prefix}{name}: expected {expected_value(value)!r}, got {actual.get(name, MISSING)!r}"
        for name, value in expected.items()
        if name not in actual or not same(actual[name], value)
    ]


def should_match(actual: Any, expected: Mapping[str, Any], what: str = "Object", prefix: str = "") -> None:
    """Raises AssertionError listing every mismatch at once."""
    problems = mismatches(actual, expected, prefix)
    if problems:
        raise AssertionError(f"{what} does not match:\n" + bullet_list(problems))


def contains_value(node: Any, expected: Any) -> bool:
    """True when any value inside a JSON document (at any depth) matches `expected`."""
    if isinstance(node, Mapping):
        return any(contains_value(item, expected) for item in node.values())
    if isinstance(node, list):
        return any(contains_value(item, expected) for item in node)
    if isinstance(node, str) and isinstance(expected, str):
        return node.lower() == expected.lower()
    return same(node, expected)


def strings_in(node: Any) -> frozenset[str]:
    """Every string value inside a JSON document, lower-cased (ids are compared case-insensitively)."""
    if isinstance(node, Mapping):
        return frozenset(text for item in node.values() for text in strings_in(item))
    if isinstance(node, list):
        return frozenset(text for item in node for text in strings_in(item))
    return frozenset([node.lower()]) if isinstance(node, str) else frozenset()


def instant(value: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (for comparing instants written differently)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


def bullet_list(problems: Iterable[str]) -> str:
    """One readable block of problems."""
    return "\n".join(f"  - {problem}" for problem in problems)
