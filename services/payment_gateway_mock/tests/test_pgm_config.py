"""Settings from the environment and the `python -m payment_gateway_mock` entry point."""

from __future__ import annotations

import pytest
from payment_gateway_mock.config import DEFAULT_WALLET_WEBHOOK_URL, ConfigError, Settings


def test_defaults() -> None:
    settings = Settings.from_env({"GATEWAY_WEBHOOK_SECRET": "s3cret"})
    assert settings.port == 8090
    assert settings.host == "127.0.0.1"
    assert settings.wallet_webhook_url == DEFAULT_WALLET_WEBHOOK_URL
    assert settings.timeout_token_delay_ms == 10_000
    assert (settings.max_journal_entries, settings.max_journal_tokens) == (20_000, 10_000)
    assert (settings.max_charges, settings.max_stubs) == (50_000, 10_000)
    assert settings.access_log is True


def test_overrides() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_WEBHOOK_SECRET": "s3cret",
            "PORT": "18092",
            "HOST": "10.1.2.3",
            "WALLET_WEBHOOK_URL": "https://wallet:8443/hook",
            "GATEWAY_MOCK_TIMEOUT_TOKEN_DELAY_MS": "250",
            "GATEWAY_MOCK_WEBHOOK_TIMEOUT_MS": "1000",
            "GATEWAY_MOCK_MAX_DELAY_MS": "5000",
            "GATEWAY_MOCK_MAX_BODY_BYTES": "4096",
            "GATEWAY_MOCK_MAX_JOURNAL_ENTRIES": "10",
            "GATEWAY_MOCK_MAX_JOURNAL_TOKENS": "11",
            "GATEWAY_MOCK_MAX_CHARGES": "12",
            "GATEWAY_MOCK_MAX_STUBS": "13",
            "GATEWAY_MOCK_ACCESS_LOG": "0",
        }
    )
    assert (settings.port, settings.host, settings.wallet_webhook_url) == (
        18092,
        "10.1.2.3",
        "https://wallet:8443/hook",
    )
    assert (settings.timeout_token_delay_ms, settings.webhook_timeout_ms, settings.max_delay_ms) == (250, 1000, 5000)
    assert settings.max_body_bytes == 4096
    assert (settings.max_journal_entries, settings.max_journal_tokens) == (10, 11)
    assert (settings.max_charges, settings.max_stubs) == (12, 13)
    assert settings.access_log is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "GATEWAY_WEBHOOK_SECRET is required"),
        ({"GATEWAY_WEBHOOK_SECRET": ""}, "GATEWAY_WEBHOOK_SECRET is required"),
        ({"GATEWAY_WEBHOOK_SECRET": "s", "PORT": "http"}, "PORT must be an integer in 1..65535"),
        ({"GATEWAY_WEBHOOK_SECRET": "s", "PORT": "70000"}, "PORT must be an integer in 1..65535"),
        ({"GATEWAY_WEBHOOK_SECRET": "s", "WALLET_WEBHOOK_URL": "wallet:8080"}, "WALLET_WEBHOOK_URL must be"),
        ({"GATEWAY_WEBHOOK_SECRET": "s", "GATEWAY_MOCK_MAX_CHARGES": "0"}, "GATEWAY_MOCK_MAX_CHARGES must be"),
        ({"GATEWAY_WEBHOOK_SECRET": "s", "GATEWAY_MOCK_ACCESS_LOG": "maybe"}, "GATEWAY_MOCK_ACCESS_LOG must be"),
    ],
)
def test_bad_settings(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_repr_never_shows_the_secret() -> None:
    settings = Settings.from_env({"GATEWAY_WEBHOOK_SECRET": "very-secret-value"})
    assert "very-secret-value" not in repr(settings)
    assert "very-secret-value" not in str(settings)
