"""Runtime configuration read from environment variables (contract section 1)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class ConfigError(Exception):
    """Raised with a one-line, actionable message when the environment is unusable."""


@dataclass(frozen=True)
class Settings:
    """Validated service settings. Secrets are kept out of ``repr`` so they never reach a log."""

    port: int
    database_url: str
    amqp_url: str
    gateway_url: str
    gateway_timeout_ms: int
    jwt_secret: str
    webhook_secret: str
    supported_currencies: frozenset[str]
    db_pool_min_size: int = 2
    db_pool_max_size: int = 20
    db_pool_timeout_s: float = 5.0
    idempotency_stale_after_s: float = 60.0
    idempotency_retention_h: float = 48.0
    log_level: str = "INFO"

    def __repr__(self) -> str:
        return (
            f"Settings(port={self.port}, gateway_url={self.gateway_url!r}, "
            f"gateway_timeout_ms={self.gateway_timeout_ms}, currencies={sorted(self.supported_currencies)})"
        )

    @property
    def gateway_timeout_s(self) -> float:
        return self.gateway_timeout_ms / 1000.0

    def secrets(self) -> list[str]:
        """Every secret value that must be redacted from log output."""
        values = [self.jwt_secret, self.webhook_secret]
        for url in (self.database_url, self.amqp_url):
            try:
                password = urlsplit(url).password
            except ValueError:
                password = None
            if password:
                values.append(password)
        return [v for v in values if v and len(v) >= 3]


def _required(env: Mapping[str, str], name: str, hint: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is required but not set: {hint}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]+", raw) or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be an integer between {low} and {high}, got {raw!r}")
    return int(raw)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings; raise ConfigError naming the first bad variable."""
    env = os.environ if env is None else env
    database_url = _required(env, "DATABASE_URL", "set it to a DSN like postgresql://user:pass@host:5432/db")
    if not database_url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("DATABASE_URL must start with postgresql:// (e.g. postgresql://user:pass@host:5432/db)")
    amqp_url = _required(env, "AMQP_URL", "set it to a URL like amqp://user:pass@host:5672/%2F")
    if not amqp_url.startswith(("amqp://", "amqps://")):
        raise ConfigError("AMQP_URL must start with amqp:// or amqps:// (e.g. amqp://user:pass@host:5672/%2F)")
    gateway_url = _required(env, "GATEWAY_URL", "set it to the payment gateway base URL, e.g. http://127.0.0.1:8090")
    if not gateway_url.startswith(("http://", "https://")):
        raise ConfigError("GATEWAY_URL must be an http:// or https:// URL, e.g. http://127.0.0.1:8090")
    jwt_secret = _required(env, "JWT_SECRET", "set it to the HS256 key that signs bearer tokens")
    webhook_secret = _required(env, "GATEWAY_WEBHOOK_SECRET", "set it to the HMAC key of gateway webhooks")

    raw_currencies = env.get("SUPPORTED_CURRENCIES", "").strip() or "EUR,USD,GBP"
    currencies = [c.strip() for c in raw_currencies.split(",") if c.strip()]
    bad = [c for c in currencies if not _CURRENCY_RE.match(c)]
    if bad or not currencies:
        raise ConfigError(
            f"SUPPORTED_CURRENCIES must be comma-separated 3-letter upper-case codes (e.g. EUR,USD,GBP), got {bad}"
        )

    pool_min = _int(env, "DB_POOL_MIN_SIZE", 2, 0, 100)
    pool_max = _int(env, "DB_POOL_MAX_SIZE", 20, 1, 200)
    if pool_min > pool_max:
        raise ConfigError("DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE")

    log_level = (env.get("LOG_LEVEL", "").strip() or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {log_level!r}")

    return Settings(
        port=_int(env, "PORT", 8080, 1, 65535),
        database_url=database_url,
        amqp_url=amqp_url,
        gateway_url=gateway_url.rstrip("/"),
        gateway_timeout_ms=_int(env, "GATEWAY_TIMEOUT_MS", 2000, 1, 600_000),
        jwt_secret=jwt_secret,
        webhook_secret=webhook_secret,
        supported_currencies=frozenset(currencies),
        db_pool_min_size=pool_min,
        db_pool_max_size=pool_max,
        db_pool_timeout_s=_int(env, "DB_POOL_TIMEOUT_MS", 5000, 100, 60_000) / 1000.0,
        idempotency_stale_after_s=float(_int(env, "IDEMPOTENCY_STALE_AFTER_S", 60, 1, 86_400)),
        idempotency_retention_h=float(_int(env, "IDEMPOTENCY_RETENTION_H", 48, 24, 24 * 365)),
        log_level=log_level,
    )
