"""Payment gateway mock for the Wallet API integration tests (contract section 5 + WireMock-like admin API)."""

from payment_gateway_mock.app import create_app
from payment_gateway_mock.config import ConfigError, Settings

__all__ = ["ConfigError", "Settings", "create_app"]
__version__ = "1.0.0"
