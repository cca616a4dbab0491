"""Contract validation of responses and events (used by the library's components; not keywords).

- `OpenApiContract` validates an HTTP response of the Wallet API against `contracts/openapi.yaml`:
  the endpoint and status must be documented, the media type must be one the contract allows, required
  headers must be present and valid, and the body must match the schema. Problem bodies must carry the
  response's HTTP status, and a 5xx body must not leak internals (stack trace, SQL, file path).
- `EventContract` validates an event body against `contracts/events/<type>.schema.json`.

Both use a strict format checker for `uuid` and `date-time` (RFC 3339), which jsonschema does not check
by default without optional packages.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"
OPENAPI_PATH = CONTRACTS_DIR / "openapi.yaml"
EVENTS_DIR = CONTRACTS_DIR / "events"
OPENAPI_URI = "urn:wallet-api:openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$",
)
# What a 5xx body must never contain (contract section 2): a stack trace, SQL or a file path.
LEAK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Python stack trace", re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")),
    ("a Go/Java stack trace", re.compile(r"goroutine \d+ \[|panic:|\tat [\w$.]+\(|Exception in thread")),
    ("SQL", re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S)),
    ("a database error", re.compile(r"psycopg|asyncpg|SQLSTATE|pq: |duplicate key value|violates .* constraint")),
    ("a file path", re.compile(r"(?<![\w.])(/[\w.-]+){2,}\.(py|go|java|js|ts|rb|sql)\b|[A-Za-z]:\\[\w\\.-]+")),
    ("a file path", re.compile(r"(?<![\w:])/(usr|home|opt|var|srv|app|root|tmp|work)/[\w./-]+")),
)


def is_uuid(value: object) -> bool:
    """True for a canonical 8-4-4-4-12 hexadecimal UUID string."""
    return isinstance(value, str) and bool(UUID_RE.match(value))


def is_rfc3339(value: object) -> bool:
    """True for an RFC 3339 `date-time` (full date, full time, offset), with valid field ranges."""
    if not isinstance(value, str):
        return False
    match = RFC3339_RE.match(value)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    if match.group(9) is not None and (int(match.group(9)) > 23 or int(match.group(10)) > 59):
        return False
    return True


def format_checker() -> FormatChecker:
    """A format checker that really checks `uuid` and `date-time` (others are not used by the contract)."""
    checker = FormatChecker(formats=())
    checker.checks("uuid")(lambda value: not isinstance(value, str) or is_uuid(value))
    checker.checks("date-time")(lambda value: not isinstance(value, str) or is_rfc3339(value))
    return checker


def _format_errors(validator: Draft202012Validator, instance: Any, limit: int = 6) -> list[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
    lines: list[str] = []
    for error in errors:
        leaves = _leaf_errors(error)
        for leaf in leaves:
            if leaf.validator in ("const", "enum"):
                expected = leaf.validator_value if leaf.validator == "enum" else repr(leaf.validator_value)
                line = f"{leaf.json_path}: expected {expected}, got {_short(repr(leaf.instance))}"
            else:
                line = f"{leaf.json_path}: {_short(leaf.message)}"
            if line not in lines:
                lines.append(line)
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more"]
    return lines


def _leaf_errors(error: Any) -> list[Any]:
    """The most specific errors under an allOf/anyOf/if-then error (readable messages)."""
    if not error.context:
        return [error]
    leaves: list[Any] = []
    for child in error.context:
        leaves.extend(_leaf_errors(child))
    return leaves or [error]


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _standalone(schema: Any, resolver: Any, depth: int = 0) -> Any:
    """`schema` with every `$ref` replaced by what it points at (a `$ref` beside other keywords becomes an
    `allOf`): the validator then never looks a reference up, which was half the cost of checking an answer.
    Raises RecursionError for a schema that refers to itself (`_validator` then keeps the references)."""
    if depth > 32:
        raise RecursionError("recursive $ref")
    if isinstance(schema, list):
        return [_standalone(item, resolver, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    rest = {
        key: _standalone(value, resolver, depth)
        for key, value in schema.items()
        if key not in ("$ref", "$id", "$schema")
    }
    if not isinstance(ref, str):
        return rest
    resolved = resolver.lookup(ref)
    target = _standalone(resolved.contents, resolved.resolver, depth + 1)
    return {"allOf": [target], **rest} if rest else target


def _validator(schema: Mapping[str, Any], registry: Registry, checker: FormatChecker) -> Draft202012Validator:
    """A validator of `schema` (its references resolved in `registry`), made standalone when it can be."""
    try:
        standalone = _standalone(schema, registry.resolver())
    except RecursionError:
        standalone = dict(schema)
    return Draft202012Validator(standalone, registry=registry, format_checker=checker)


def leaks_in(text: str) -> list[str]:
    """Names of the internals (stack trace, SQL, file path) found in a response body."""
    found: list[str] = []
    for name, pattern in LEAK_PATTERNS:
        if pattern.search(text) and name not in found:
            found.append(name)
    return found


def _absolutize_refs(node: Any) -> Any:
    """Rewrites local `#/...` references to `urn:wallet-api:openapi#/...` so any sub-schema is standalone."""
    if isinstance(node, dict):
        return {
            key: (
                OPENAPI_URI + value
                if key == "$ref" and isinstance(value, str) and value.startswith("#")
                else _absolutize_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolutize_refs(item) for item in node]
    return node


class OpenApiContract:
    """The Wallet API's OpenAPI 3.1 document, able to validate one HTTP response."""

    def __init__(self, path: Path = OPENAPI_PATH) -> None:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
        self.document: dict[str, Any] = raw
        self._absolute: dict[str, Any] = _absolutize_refs(raw)
        resource = Resource(contents=raw, specification=DRAFT202012)
        self._registry: Registry = Registry().with_resource(OPENAPI_URI, resource)
        self._checker = format_checker()
        self._validators: dict[str, Draft202012Validator] = {}  # one per schema (see schema_validator)
        self._routes: list[tuple[re.Pattern[str], str]] = []
        for template in self._absolute.get("paths", {}):
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            self._routes.append((re.compile(pattern), template))
        # Literal templates first so /v1/wallets never matches a templated route by accident.
        self._routes.sort(key=lambda route: route[1].count("{"))

    def template_for(self, path: str) -> str | None:
        """The documented path template (`/v1/wallets/{id}`) matching a concrete path, query ignored."""
        bare = path.split("?", 1)[0]
        for pattern, template in self._routes:
            if pattern.match(bare):
                return template
        return None

    def _resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 10:
            ref = node["$ref"]
            if not ref.startswith(OPENAPI_URI + "#/"):
                raise ValueError(f"unsupported $ref {ref}")
            node = self._absolute
            for part in ref[len(OPENAPI_URI) + 2 :].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
        return node

    def allowed_statuses(self, method: str, template: str) -> list[str]:
        """The statuses the contract documents for one operation."""
        operation = self._absolute["paths"][template].get(method.lower()) or {}
        return sorted(operation.get("responses", {}))

    def schema_validator(self, schema: Mapping[str, Any]) -> Draft202012Validator:
        """A validator for one schema of the document, made once per schema, its references replaced by what
        they point at (`_standalone`)."""
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            self._validators[key] = _validator(schema, self._registry, self._checker)
        return self._validators[key]

    def component_validator(self, name: str) -> Draft202012Validator:
        """A validator for `#/components/schemas/<name>`."""
        return self.schema_validator({"$ref": f"{OPENAPI_URI}#/components/schemas/{name}"})

    def response_problems(
        self,
        method: str,
        path: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[str]:
        """Every way the response breaks the contract (empty list when it conforms)."""
        template = self.template_for(path)
        if template is None:
            return [f"{path.split('?', 1)[0]} is not an endpoint of the contract"]
        operation = self._absolute["paths"][template].get(method.lower())
        if operation is None:
            return [f"{method.upper()} {template} is not an operation of the contract"]
        responses = operation.get("responses", {})
        spec = responses.get(str(status))
        if spec is None:
            allowed = ", ".join(sorted(responses))
            return [
                f"status {status} is not allowed by the contract for {method.upper()} {template} "
                f"(allowed: {allowed}); body: {_short(body.decode('utf-8', 'replace'), 300)}"
            ]
        spec = self._resolve(spec)
        problems: list[str] = []
        lowered = {name.lower(): value for name, value in headers.items()}
        for name, header_spec in (spec.get("headers") or {}).items():
            header_spec = self._resolve(header_spec)
            value = lowered.get(name.lower())
            if value is None:
                if header_spec.get("required"):
                    problems.append(f"required header {name} is missing")
                continue
            schema = header_spec.get("schema")
            if schema:
                for line in _format_errors(self.schema_validator(schema), value):
                    problems.append(f"header {name}={value!r}: {line.split(': ', 1)[-1]}")
        content = spec.get("content")
        if content:
            media_type = lowered.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type not in content:
                problems.append(
                    f"Content-Type {media_type or '(none)'!r} is not allowed here (expected {' or '.join(content)})"
                )
                media_spec = next(iter(content.values()))
            else:
                media_spec = content[media_type]
            try:
                document = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                problems.append(f"body is not JSON ({error.__class__.__name__}): {_short(repr(body[:200]))}")
            else:
                schema = media_spec.get("schema")
                if schema:
                    problems.extend(f"body {line}" for line in _format_errors(self.schema_validator(schema), document))
                if media_type == "application/problem+json" and isinstance(document, dict):
                    if "status" in document and document.get("status") != status:
                        problems.append(f"problem status {document.get('status')!r} differs from HTTP status {status}")
        if status >= 500:
            leaks = leaks_in(body.decode("utf-8", "replace"))
            if leaks:
                problems.append(f"5xx body leaks internals ({', '.join(leaks)})")
        return problems


class EventContract:
    """The JSON Schemas of the events (`contracts/events/<type>.schema.json`)."""

    def __init__(self, directory: Path = EVENTS_DIR) -> None:
        registry = Registry()
        self._ids: dict[str, str] = {}
        for path in sorted(directory.glob("*.schema.json")):
            with path.open(encoding="utf-8") as handle:
                schema = json.load(handle)
            registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
            event_type = path.name.removesuffix(".schema.json")
            if event_type != "envelope":
                self._ids[event_type] = schema["$id"]
        self._registry = registry
        self._checker = format_checker()
        self._validators: dict[str, Draft202012Validator] = {}  # one per event type (see schema_validator)

    @property
    def types(self) -> list[str]:
        """The event types the contract defines."""
        return sorted(self._ids)

    def problems(self, event: Any) -> list[str]:
        """Every way the event body breaks its schema (empty when it conforms)."""
        event_type = event.get("type") if isinstance(event, dict) else None
        if event_type not in self._ids:
            return [f"event type {event_type!r} is not one of the contract ({', '.join(self.types)})"]
        if event_type not in self._validators:
            self._validators[event_type] = _validator({"$ref": self._ids[event_type]}, self._registry, self._checker)
        return _format_errors(self._validators[event_type], event)


@lru_cache(maxsize=1)
def openapi_contract() -> OpenApiContract:
    """The OpenAPI contract, loaded once per process."""
    return OpenApiContract()


@lru_cache(maxsize=1)
def event_contract() -> EventContract:
    """The event schemas, loaded once per process."""
    return EventContract()
