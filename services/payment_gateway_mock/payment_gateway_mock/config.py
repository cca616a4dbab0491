"""Settings of the gateway mock, read from environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_WALLET_WEBHOOK_URL = "http://127.0.0.1:8080/v1/webhooks/payment-gateway"


class ConfigError(ValueError):
    """A setting is missing or invalid; the message says what is wrong and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Runtime settings. Every cap bounds the memory the mock can use (oldest-first eviction)."""

    webhook_secret: str
    wallet_webhook_url: str = DEFAULT_WALLET_WEBHOOK_URL
    host: str = "127.0.0.1"
    port: int = 8090
    timeout_token_delay_ms: int = 10_000
    webhook_timeout_ms: int = 5_000
    max_delay_ms: int = 60_000
    max_body_bytes: int = 16_384
    max_journal_entries: int = 20_000
    max_journal_tokens: int = 10_000
    max_charges: int = 50_000
    max_stubs: int = 10_000
    access_log: bool = True

    def __repr__(self) -> str:
        """Never show the webhook secret."""
        return f"Settings(wallet_webhook_url={self.wallet_webhook_url!r}, port={self.port}, webhook_secret='***')"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping; raise ConfigError with a one-line message on bad input."""
        secret = env.get("GATEWAY_WEBHOOK_SECRET", "")
        if not secret:
            raise ConfigError(
                "GATEWAY_WEBHOOK_SECRET is required: set it to the HMAC key the wallet uses to verify webhooks "
                "(e.g. export GATEWAY_WEBHOOK_SECRET=local-webhook-secret-not-for-prod)"
            )
        url = env.get("WALLET_WEBHOOK_URL", "") or DEFAULT_WALLET_WEBHOOK_URL
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"WALLET_WEBHOOK_URL must be an absolute http(s) URL, got {url!r} (e.g. {DEFAULT_WALLET_WEBHOOK_URL})"
            )
        access_log = env.get("GATEWAY_MOCK_ACCESS_LOG", "1").strip().lower()
        if access_log not in ("0", "1", "true", "false", "yes", "no"):
            raise ConfigError(f"GATEWAY_MOCK_ACCESS_LOG must be 1 or 0, got {access_log!r}")
        return cls(
            webhook_secret=secret,
            wallet_webhook_url=url,
            host=env.get("HOST", "") or "127.0.0.1",
            port=_int(env, "PORT", 8090, 1, 65535),
            timeout_token_delay_ms=_int(env, "GATEWAY_MOCK_TIMEOUT_TOKEN_DELAY_MS", 10_000, 0, 600_000),
            webhook_timeout_ms=_int(env, "GATEWAY_MOCK_WEBHOOK_TIMEOUT_MS", 5_000, 1, 600_000),
            max_delay_ms=_int(env, "GATEWAY_MOCK_MAX_DELAY_MS", 60_000, 0, 600_000),
            max_body_bytes=_int(env, "GATEWAY_MOCK_MAX_BODY_BYTES", 16_384, 256, 10_485_760),
            max_journal_entries=_int(env, "GATEWAY_MOCK_MAX_JOURNAL_ENTRIES", 20_000, 1, 10_000_000),
            max_journal_tokens=_int(env, "GATEWAY_MOCK_MAX_JOURNAL_TOKENS", 10_000, 1, 10_000_000),
            max_charges=_int(env, "GATEWAY_MOCK_MAX_CHARGES", 50_000, 1, 10_000_000),
            max_stubs=_int(env, "GATEWAY_MOCK_MAX_STUBS", 10_000, 1, 10_000_000),
            access_log=access_log in ("1", "true", "yes"),
        )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """Read an integer variable in [low, high]; empty or unset means the default."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer in {low}..{high}, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be an integer in {low}..{high}, got {value}")
    return value
